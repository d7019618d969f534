// Contract tests on passkeys (W1, W4, W7, R1), registered by sorContract() in sor.contract.test.ts.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ConflictError } from '../../src/store/ports.ts';
import type { NewPasskey } from '../../src/store/records.ts';
import type { ContractContext } from './sor.contract.factors.ts';

const credential = (userId: string, over: Partial<NewPasskey> = {}): NewPasskey => ({
  userId,
  credentialId: randomBytes(16).toString('base64url'),
  publicKey: new Uint8Array(randomBytes(77)),
  counter: 0,
  transports: ['internal', 'hybrid'],
  aaguid: '00000000-0000-0000-0000-000000000000',
  name: 'Passkey 1',
  deviceType: 'singleDevice',
  backedUp: false,
  ...over,
});

export function passkeyContract(ctx: ContractContext): void {
  it('W1: a passkey is stored with its credential and is a factor row of its user', async () => {
    const u = await ctx.newUser();
    const input = credential(u.id, { counter: 5, deviceType: 'multiDevice', backedUp: true });
    const p = await ctx.store.insertPasskey(input);
    assert.deepEqual(
      { ...p, factorId: '', createdAt: null },
      {
        ...input,
        factorId: '',
        createdAt: null,
        lastUsedAt: null,
      },
    );
    const factors = await ctx.store.listFactors(u.id);
    assert.deepEqual(
      factors.map((f) => [f.id, f.type]),
      [[p.factorId, 'passkey']],
    );
    assert.deepEqual(await ctx.store.listPasskeys(u.id), [p]);
    assert.deepEqual(await ctx.store.findPasskeyByCredentialId(input.credentialId), p);
    assert.equal(await ctx.store.findPasskeyByCredentialId('unknown'), undefined);
    assert.deepEqual(await ctx.store.listPasskeys('not-a-uuid'), []);
  });

  it('W1: a credential id is registered once, across users; a failed insert leaves no factor row', async () => {
    const [a, b] = [await ctx.newUser(), await ctx.newUser()];
    const input = credential(a.id);
    await ctx.store.insertPasskey(input);
    await assert.rejects(ctx.store.insertPasskey({ ...input, userId: b.id }), ConflictError);
    assert.deepEqual(await ctx.store.listFactors(b.id), []);
  });

  it('W7: a use needs a counter above the stored one (0 stays 0 for counterless authenticators), once', async () => {
    const u = await ctx.newUser();
    const p = await ctx.store.insertPasskey(credential(u.id, { counter: 3 }));
    await ctx.store.incrementFailedAttempts(p.factorId);
    assert.equal(await ctx.store.recordPasskeyUse(p.factorId, 3), false, 'same counter: refused');
    assert.equal(await ctx.store.recordPasskeyUse(p.factorId, 2), false, 'backwards: refused');
    const results = await Promise.all([4, 4, 4].map((c) => ctx.store.recordPasskeyUse(p.factorId, c)));
    assert.equal(results.filter(Boolean).length, 1, 'of racing uses with one counter, one wins');
    const [after] = await ctx.store.listPasskeys(u.id);
    assert.equal(after.counter, 4);
    assert.ok(after.lastUsedAt instanceof Date);
    assert.equal((await ctx.store.listFactors(u.id))[0].failedAttempts, 0, 'a use resets the failures');

    const zero = await ctx.store.insertPasskey(credential(u.id));
    assert.equal(await ctx.store.recordPasskeyUse(zero.factorId, 0), true);
    assert.equal(await ctx.store.recordPasskeyUse(zero.factorId, 0), true);
    assert.equal(await ctx.store.recordPasskeyUse(zero.factorId, 1), true);
    assert.equal(
      await ctx.store.recordPasskeyUse(zero.factorId, 0),
      false,
      'a counter that started cannot go back to 0',
    );
    assert.equal(await ctx.store.recordPasskeyUse('not-a-uuid', 9), false);
  });

  it("W4, R1: rename only one's own; removing the factor row or a reset removes the credential", async () => {
    const [a, b] = [await ctx.newUser(), await ctx.newUser()];
    const p = await ctx.store.insertPasskey(credential(a.id));
    const q = await ctx.store.insertPasskey(credential(a.id, { name: 'Passkey 2' }));
    assert.equal(await ctx.store.renamePasskey(b.id, p.factorId, 'stolen'), false);
    assert.equal(await ctx.store.renamePasskey(a.id, p.factorId, 'YubiKey'), true);
    assert.deepEqual(
      (await ctx.store.listPasskeys(a.id)).map((k) => k.name),
      ['YubiKey', 'Passkey 2'],
    );
    assert.equal(await ctx.store.deleteFactor(p.factorId), true);
    assert.equal(await ctx.store.findPasskeyByCredentialId(p.credentialId), undefined);
    await ctx.store.insertFactor({ userId: a.id, type: 'totp', secretEnc: 'k1.a.b.c' });
    assert.equal(await ctx.store.deleteFactorsOfUser(a.id, ['passkey']), 1);
    assert.equal(await ctx.store.findPasskeyByCredentialId(q.credentialId), undefined);
    assert.deepEqual(
      (await ctx.store.listFactors(a.id)).map((f) => f.type),
      ['totp'],
    );
  });
}
