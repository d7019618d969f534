// L1 / NIST SP 800-63B §5.1.1.2, §5.1.2.2: passwords and backup codes are argon2id-hashed with
// the OWASP parameters; verification never throws.
import assert from 'node:assert/strict';
import {
  ARGON2_HASH_PREFIX,
  DUMMY_PASSWORD_HASH,
  hashPassword,
  hashSecretCode,
  verifyHashedSecretCode,
  verifyPassword,
} from '../../src/crypto/password.ts';

describe('password hashing (argon2id, OWASP parameters)', () => {
  it('produces $argon2id$v=19$m=19456,t=2,p=1$ hashes with a random salt', async () => {
    assert.equal(ARGON2_HASH_PREFIX, '$argon2id$v=19$m=19456,t=2,p=1$');
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    assert.ok(a.startsWith('$argon2id$v=19$m=19456,t=2,p=1$'), a);
    assert.notEqual(a, b);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery staple');
    assert.equal(await verifyPassword(hash, 'correct horse battery staple'), true);
    assert.equal(await verifyPassword(hash, 'correct horse battery stapl'), false);
    assert.equal(await verifyPassword(hash, ''), false);
  });

  it('NFKC-normalizes passwords (full-width input matches)', async () => {
    const hash = await hashPassword('Ｐａｓｓ１２３４');
    assert.equal(await verifyPassword(hash, 'Pass1234'), true);
  });

  it('returns false for a malformed hash instead of throwing', async () => {
    for (const bad of [
      '',
      'not-a-hash',
      '$argon2id$v=19$m=19456,t=2,p=1$',
      '$2b$10$abcdefghijklmnopqrstuv',
      '$argon2id$',
    ]) {
      assert.equal(await verifyPassword(bad, 'x'), false, bad);
      assert.equal(await verifyHashedSecretCode(bad, 'x'), false, bad);
    }
  });

  it('DUMMY_PASSWORD_HASH is a valid argon2id hash, computed once', async () => {
    const first = await DUMMY_PASSWORD_HASH();
    assert.ok(first.startsWith(ARGON2_HASH_PREFIX));
    assert.equal(await DUMMY_PASSWORD_HASH(), first);
    assert.equal(await verifyPassword(first, ''), false);
  });

  it('hashes backup codes with the same argon2id parameters', async () => {
    const hash = await hashSecretCode('7k3qm-x9a2c');
    assert.ok(hash.startsWith(ARGON2_HASH_PREFIX));
    assert.equal(await verifyHashedSecretCode(hash, '7k3qm-x9a2c'), true);
    assert.equal(await verifyHashedSecretCode(hash, '7k3qm-x9a2d'), false);
  });
});
