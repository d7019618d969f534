// Contract tests on loadUserBundle (issue 18: the MFA decision's inputs in one round trip),
// registered by sorContract() in sor.contract.test.ts.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ContractContext } from './sor.contract.factors.ts';

export function userBundleContract(ctx: ContractContext): void {
  it('issue 18, P1–P6: a user with their memberships and factors in one read is exactly what the three reads return', async () => {
    const { store } = ctx;
    const u = await ctx.newUser();
    const paid = await ctx.newOrg('paid');
    const free = await ctx.newOrg('free');
    await store.updateOrg(paid.id, {
      requireMfaForAllUsers: true,
      mfaEnforcedFrom: new Date('2026-03-01T09:30:00.123Z'),
      allowedMethods: ['totp', 'passkey'],
      rememberDeviceDays: 14,
      smsDefaultCountry: 'JP',
      sso: {
        issuer: 'https://idp.example.test',
        clientId: 'deadbolt',
        clientSecretEnc: 'k1.a.b.c',
        scopes: 'openid email',
        domains: ['example.test'],
        trustUpstreamMfaOnly: false,
      },
    });
    await store.setMembership(u.id, paid.id, 'admin');
    await store.setMembership(u.id, free.id, 'member');
    const totp = await store.insertFactor({ userId: u.id, type: 'totp', secretEnc: 'k1.x.y.z' });
    await store.advanceTotpStep(totp.id, 12345678901);
    const sms = await store.insertFactor({ userId: u.id, type: 'sms', data: { phone: '+81312345678' } });
    await store.updateFactor(sms.id, { failedAttempts: 5, lockedAt: new Date('2026-11-30T23:59:59.999Z') });
    const code = await store.insertFactor({ userId: u.id, type: 'backup_code', codeHash: 'hash0' });
    await store.useBackupCode(code.id);
    const other = await ctx.newUser();
    await store.insertFactor({ userId: other.id, type: 'totp', secretEnc: 'k1.other' });

    const bundle = await store.loadUserBundle(u.id);
    assert.deepEqual(bundle, {
      user: await store.findUserById(u.id),
      memberships: await store.listMembershipsOfUser(u.id),
      factors: await store.listFactors(u.id),
    });
    assert.equal(bundle?.memberships.length, 2);
    assert.equal(bundle?.factors.length, 3);
    assert.ok(bundle?.factors.every((f) => f.createdAt instanceof Date));
  });

  it('issue 18: a user without memberships or factors has empty lists; an unknown or malformed id has no bundle', async () => {
    const u = await ctx.newUser();
    assert.deepEqual(await ctx.store.loadUserBundle(u.id), {
      user: await ctx.store.findUserById(u.id),
      memberships: [],
      factors: [],
    });
    assert.equal(await ctx.store.loadUserBundle(randomUUID()), undefined);
    assert.equal(await ctx.store.loadUserBundle('not-a-uuid'), undefined);
  });
}
