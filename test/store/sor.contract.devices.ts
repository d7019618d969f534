// Contract tests on remembered devices (G4), registered by sorContract() in sor.contract.test.ts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ConflictError } from '../../src/store/ports.ts';
import type { ContractContext } from './sor.contract.factors.ts';

const DAY = 86_400_000;
const hash = () => randomUUID().replace(/-/g, '').repeat(2);

export function rememberedDeviceContract(ctx: ContractContext): void {
  const newDevice = (userId: string, days = 7, tokenHash = hash()) =>
    ctx.store.createRememberedDevice({
      userId,
      tokenHash,
      browser: 'Firefox 140 / Linux',
      ip: '192.0.2.7',
      expiresAt: new Date(Date.now() + days * DAY),
    });

  it('G4: a device is stored for its user and found by its token hash or id; expired ones are not', async () => {
    const u = await ctx.newUser();
    const other = await ctx.newUser();
    const tokenHash = hash();
    const d = await newDevice(u.id, 7, tokenHash);
    assert.deepEqual(
      { ...d, id: '', createdAt: null, lastUsedAt: null },
      {
        id: '',
        userId: u.id,
        browser: 'Firefox 140 / Linux',
        ip: '192.0.2.7',
        createdAt: null,
        lastUsedAt: null,
        expiresAt: d.expiresAt,
      },
    );
    assert.ok(Math.abs(d.expiresAt.getTime() - (Date.now() + 7 * DAY)) < 60_000);
    assert.equal((await ctx.store.findRememberedDeviceByTokenHash(tokenHash))?.id, d.id);
    assert.equal((await ctx.store.findRememberedDevice(u.id, d.id))?.id, d.id);
    assert.equal(await ctx.store.findRememberedDevice(other.id, d.id), undefined, "another user's id");
    assert.equal(await ctx.store.findRememberedDeviceByTokenHash(hash()), undefined);
    assert.equal(await ctx.store.findRememberedDevice(u.id, 'not-a-uuid'), undefined);
    const expired = await newDevice(u.id, -1);
    assert.equal(await ctx.store.findRememberedDevice(u.id, expired.id), undefined, 'expired');
    assert.deepEqual(
      (await ctx.store.listRememberedDevices(u.id)).map((x) => x.id),
      [d.id],
      'listed without the expired one',
    );
  });

  it('G4: a token hash is unique', async () => {
    const u = await ctx.newUser();
    const tokenHash = hash();
    await newDevice(u.id, 7, tokenHash);
    await assert.rejects(newDevice(u.id, 7, tokenHash), ConflictError);
  });

  it('G4: a use moves last-used and the address; listed most recently used first', async () => {
    const u = await ctx.newUser();
    const a = await newDevice(u.id);
    const b = await newDevice(u.id);
    await new Promise((r) => setTimeout(r, 20));
    await ctx.store.touchRememberedDevice(a.id, '198.51.100.1');
    const list = await ctx.store.listRememberedDevices(u.id);
    assert.deepEqual(
      list.map((x) => x.id),
      [a.id, b.id],
    );
    assert.equal(list[0].ip, '198.51.100.1');
    assert.ok(list[0].lastUsedAt.getTime() > a.lastUsedAt.getTime());
  });

  it('G4: deleted one by one (only by its user) or all of a user (V3); deleting the user deletes them', async () => {
    const u = await ctx.newUser();
    const other = await ctx.newUser();
    const [a, b, c] = [await newDevice(u.id), await newDevice(u.id), await newDevice(u.id)];
    const kept = await newDevice(other.id);
    assert.equal(await ctx.store.deleteRememberedDevice(other.id, a.id), false, "not another user's");
    assert.equal(await ctx.store.deleteRememberedDevice(u.id, a.id), true);
    assert.equal(await ctx.store.deleteRememberedDevice(u.id, a.id), false, 'already gone');
    assert.equal(await ctx.store.deleteRememberedDevicesOfUser(u.id), 2);
    assert.deepEqual(await ctx.store.listRememberedDevices(u.id), []);
    void [b, c];
    assert.equal((await ctx.store.listRememberedDevices(other.id)).length, 1);
    await ctx.store.deleteUser(other.id);
    assert.equal(await ctx.store.findRememberedDevice(other.id, kept.id), undefined);
    assert.equal(await ctx.store.deleteRememberedDevicesOfUser('not-a-uuid'), 0);
  });

  it('G4: an organization allows remembering for 0 days by default; the allowance is patched', async () => {
    const org = await ctx.newOrg();
    assert.equal(org.rememberDeviceDays, 0);
    const patched = await ctx.store.updateOrg(org.id, { rememberDeviceDays: 14 });
    assert.equal(patched?.rememberDeviceDays, 14);
    assert.equal((await ctx.store.findOrgById(org.id))?.rememberDeviceDays, 14);
    const u = await ctx.newUser();
    await ctx.store.setMembership(u.id, org.id, 'member');
    assert.equal((await ctx.store.listMembershipsOfUser(u.id))[0].org.rememberDeviceDays, 14);
  });

  it('X3 (issue 16 item 5): an organization has no default SMS country until one is set; null clears it', async () => {
    const org = await ctx.newOrg();
    assert.equal(org.smsDefaultCountry, null);
    assert.equal((await ctx.store.updateOrg(org.id, { smsDefaultCountry: 'JP' }))?.smsDefaultCountry, 'JP');
    const u = await ctx.newUser();
    await ctx.store.setMembership(u.id, org.id, 'member');
    assert.equal((await ctx.store.listMembershipsOfUser(u.id))[0].org.smsDefaultCountry, 'JP');
    assert.equal((await ctx.store.updateOrg(org.id, { smsDefaultCountry: null }))?.smsDefaultCountry, null);
  });
}
