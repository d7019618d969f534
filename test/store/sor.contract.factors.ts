// Contract tests on MFA factors and the audit log, registered by sorContract() in
// sor.contract.test.ts (kept apart only for file size).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ConflictError, type SystemOfRecord } from '../../src/store/ports.ts';
import type { Organization, Plan, User } from '../../src/store/records.ts';

export interface ContractContext {
  /** The store under test (set in before()). */
  store: SystemOfRecord;
  newUser(): Promise<User>;
  newOrg(plan?: Plan): Promise<Organization>;
  /** Raw SQL behind the port's back. */
  rawSql(query: string): Promise<void>;
}

export function factorAndAuditContract(ctx: ContractContext): void {
  it('factors: TOTP, SMS and backup codes are stored per user with their defaults', async () => {
    const u = await ctx.newUser();
    const totp = await ctx.store.insertFactor({ userId: u.id, type: 'totp', secretEnc: 'k1.a.b.c' });
    const sms = await ctx.store.insertFactor({ userId: u.id, type: 'sms', data: { phone: '+81312345678' } });
    for (let i = 0; i < 4; i++)
      await ctx.store.insertFactor({ userId: u.id, type: 'backup_code', codeHash: `hash${i}` });
    assert.deepEqual(
      { ...totp, id: '', createdAt: null },
      {
        id: '',
        userId: u.id,
        type: 'totp',
        secretEnc: 'k1.a.b.c',
        codeHash: null,
        data: {},
        lastStep: null,
        failedAttempts: 0,
        lockedAt: null,
        usedAt: null,
        createdAt: null,
      },
    );
    const listed = await ctx.store.listFactors(u.id);
    assert.equal(listed.length, 6);
    assert.deepEqual(
      listed.find((f) => f.id === sms.id),
      sms,
    );
    assert.deepEqual(
      listed
        .filter((f) => f.type === 'backup_code')
        .map((f) => f.codeHash)
        .sort(),
      ['hash0', 'hash1', 'hash2', 'hash3'],
    );
    assert.deepEqual(await ctx.store.listFactors(randomUUID()), []);
  });

  it('factors: a user has at most one TOTP app and one SMS phone', async () => {
    const [a, b] = [await ctx.newUser(), await ctx.newUser()];
    const totp = await ctx.store.insertFactor({ userId: a.id, type: 'totp', secretEnc: 's' });
    await ctx.store.insertFactor({ userId: a.id, type: 'sms', data: { phone: '+15550100' } });
    await assert.rejects(
      ctx.store.insertFactor({ userId: a.id, type: 'totp', secretEnc: 's2' }),
      ConflictError,
    );
    await assert.rejects(
      ctx.store.insertFactor({ userId: a.id, type: 'sms', data: { phone: '+15550101' } }),
      ConflictError,
    );
    await ctx.store.insertFactor({ userId: b.id, type: 'totp', secretEnc: 's3' }); // another user may
    assert.equal(await ctx.store.deleteFactor(totp.id), true);
    assert.equal(await ctx.store.deleteFactor(totp.id), false);
    await ctx.store.insertFactor({ userId: a.id, type: 'totp', secretEnc: 's4' }); // re-enrolment after removal
  });

  it('factors: patched fields change, others stay', async () => {
    const u = await ctx.newUser();
    const f = await ctx.store.insertFactor({ userId: u.id, type: 'sms', data: { phone: '+15550100' } });
    const lockedAt = new Date('2030-01-02T03:04:05.678Z');
    await ctx.store.updateFactor(f.id, {
      data: { phone: '+15550199', verified: true },
      failedAttempts: 5,
      lockedAt,
    });
    let [got] = await ctx.store.listFactors(u.id);
    assert.deepEqual(got, {
      ...f,
      data: { phone: '+15550199', verified: true },
      failedAttempts: 5,
      lockedAt,
    });
    await ctx.store.updateFactor(f.id, { lockedAt: null, failedAttempts: 0, secretEnc: 'k2.x.y.z' });
    await ctx.store.updateFactor(f.id, {});
    [got] = await ctx.store.listFactors(u.id);
    assert.deepEqual(got, { ...f, data: { phone: '+15550199', verified: true }, secretEnc: 'k2.x.y.z' });
  });

  it('factors: deleted one by one, by type, or all of a user; key rotation sees every user', async () => {
    const [a, b] = [await ctx.newUser(), await ctx.newUser()];
    await ctx.store.insertFactor({ userId: a.id, type: 'totp', secretEnc: 'sa' });
    await ctx.store.insertFactor({ userId: b.id, type: 'totp', secretEnc: 'sb' });
    for (let i = 0; i < 4; i++)
      await ctx.store.insertFactor({ userId: a.id, type: 'backup_code', codeHash: `h${i}` });
    assert.deepEqual(
      (await ctx.store.listFactorsWithSecrets())
        .map((f) => f.secretEnc)
        .filter(Boolean)
        .sort(),
      ['sa', 'sb'],
    );
    assert.equal(await ctx.store.deleteFactorsOfUser(a.id, []), 0);
    assert.equal(await ctx.store.deleteFactorsOfUser(a.id, ['backup_code']), 4);
    assert.deepEqual(
      (await ctx.store.listFactors(a.id)).map((f) => f.type),
      ['totp'],
    );
    assert.equal(await ctx.store.deleteFactorsOfUser(a.id), 1);
    assert.equal((await ctx.store.listFactors(b.id)).length, 1);
  });

  it('T4: a TOTP step is accepted once; same or earlier step refused', async () => {
    const u = await ctx.newUser();
    const totp = await ctx.store.insertFactor({ userId: u.id, type: 'totp', secretEnc: 's' });
    await ctx.store.incrementFailedAttempts(totp.id);
    assert.equal(await ctx.store.advanceTotpStep(totp.id, 58_000_000), true);
    let [f] = await ctx.store.listFactors(u.id);
    assert.equal(f.lastStep, 58_000_000);
    assert.equal(f.failedAttempts, 0, 'an accepted code resets the failure count');
    assert.equal(await ctx.store.advanceTotpStep(totp.id, 58_000_000), false);
    assert.equal(await ctx.store.advanceTotpStep(totp.id, 57_999_999), false);
    assert.equal(await ctx.store.advanceTotpStep(totp.id, 58_000_001), true);
    [f] = await ctx.store.listFactors(u.id);
    assert.equal(f.lastStep, 58_000_001);
    const code = await ctx.store.insertFactor({ userId: u.id, type: 'backup_code', codeHash: 'h' });
    assert.equal(await ctx.store.advanceTotpStep(code.id, 1), false, 'only TOTP factors have steps');
    assert.equal(await ctx.store.advanceTotpStep(randomUUID(), 1), false);
  });

  it('T4: the same TOTP step submitted twice in parallel is accepted exactly once', async () => {
    const u = await ctx.newUser();
    const totp = await ctx.store.insertFactor({ userId: u.id, type: 'totp', secretEnc: 's' });
    const results = await Promise.all([1, 2, 3].map(() => ctx.store.advanceTotpStep(totp.id, 1000)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('T3: a backup code can be used once', async () => {
    const u = await ctx.newUser();
    const code = await ctx.store.insertFactor({ userId: u.id, type: 'backup_code', codeHash: 'h' });
    assert.equal(await ctx.store.useBackupCode(code.id), true);
    assert.equal(await ctx.store.useBackupCode(code.id), false);
    const [f] = await ctx.store.listFactors(u.id);
    assert.ok(f.usedAt instanceof Date);
    const totp = await ctx.store.insertFactor({ userId: u.id, type: 'totp', secretEnc: 's' });
    assert.equal(await ctx.store.useBackupCode(totp.id), false, 'a TOTP factor is not a backup code');
  });

  it('T3: two parallel uses of one backup code: exactly one succeeds', async () => {
    const u = await ctx.newUser();
    const code = await ctx.store.insertFactor({ userId: u.id, type: 'backup_code', codeHash: 'h' });
    const results = await Promise.all([ctx.store.useBackupCode(code.id), ctx.store.useBackupCode(code.id)]);
    assert.deepEqual(results.sort(), [false, true]);
  });

  it('failed attempts are counted atomically, also in parallel', async () => {
    const u = await ctx.newUser();
    const f = await ctx.store.insertFactor({ userId: u.id, type: 'sms', data: { phone: '+15550100' } });
    assert.equal(await ctx.store.incrementFailedAttempts(f.id), 1);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => ctx.store.incrementFailedAttempts(f.id)),
    );
    assert.deepEqual(
      results.sort((x, y) => x - y),
      [2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.equal((await ctx.store.listFactors(u.id))[0].failedAttempts, 9);
    assert.equal(await ctx.store.incrementFailedAttempts(randomUUID()), 0);
  });

  it('R3: audit events are append-only', async () => {
    const [org, actor, target] = [await ctx.newOrg(), await ctx.newUser(), await ctx.newUser()];
    const base = {
      actorUserId: actor.id,
      actorLabel: null,
      orgId: org.id,
      ip: '203.0.113.9',
      userAgent: 'UA/1',
    };
    const first = await ctx.store.appendAudit({
      ...base,
      action: 'org.created',
      targetUserId: null,
      details: {},
    });
    const second = await ctx.store.appendAudit({
      ...base,
      action: 'member.added',
      targetUserId: target.id,
      details: { role: 'admin', tags: ['a'] },
    });
    const old = await ctx.store.appendAudit({
      ...base,
      actorUserId: null,
      actorLabel: 'operator:alice',
      action: 'x',
      targetUserId: null,
      details: {},
      at: new Date('2020-01-01T00:00:00Z'),
    });
    assert.equal(old.at.toISOString(), '2020-01-01T00:00:00.000Z');
    assert.ok(second.at instanceof Date && second.at >= first.at);
    assert.deepEqual(await ctx.store.listAudit({ orgId: org.id }), [second, first, old]);
    assert.deepEqual(await ctx.store.listAudit({ orgId: org.id, limit: 1 }), [second]);
    assert.deepEqual(await ctx.store.listAudit({ userId: target.id }), [second]);
    assert.deepEqual(await ctx.store.listAudit({ orgId: randomUUID() }), []);

    await assert.rejects(
      ctx.rawSql(`update audit_events set action = 'forged' where id = '${first.id}'`),
      /append-only/,
    );
    await assert.rejects(ctx.rawSql(`delete from audit_events where id = '${first.id}'`), /append-only/);
    await assert.rejects(ctx.rawSql('truncate audit_events'), /append-only/);
    await ctx.rawSql(`delete from users where id = '${actor.id}'`); // events outlive their actor
    assert.deepEqual(await ctx.store.listAudit({ orgId: org.id }), [second, first, old]);
  });
}
