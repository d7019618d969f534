// T4: factor secrets are sealed with AES-256-GCM, bound to their owner, and keys can be rotated.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  needsRotation,
  open,
  parseSealingKeys,
  reseal,
  SealedDataError,
  type SealingKeys,
  seal,
} from '../../src/crypto/sealed.ts';

const key = () => randomBytes(32).toString('base64url');
const K1 = key();
const K2 = key();
const AAD = 'totp:user-1';

function isSealedError(code?: SealedDataError['code']) {
  return (err: unknown) => err instanceof SealedDataError && (code === undefined || err.code === code);
}

// Flips one bit of one base64url part's decoded bytes and re-encodes it.
function tamper(sealed: string, part: 2 | 3 | 4): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part], 'base64url');
  bytes[0] ^= 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('sealed (T4, AES-256-GCM)', () => {
  const keys = parseSealingKeys(`k1:${K1}`);

  it('round-trips, with a fresh IV every time', () => {
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const a = seal(keys, secret, AAD);
    const b = seal(keys, secret, AAD);
    assert.notEqual(a, b);
    assert.match(a, /^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    assert.equal(open(keys, a, AAD), secret);
    assert.equal(open(keys, b, AAD), secret);
    assert.ok(!a.includes(secret));
  });

  it('round-trips empty and non-ASCII plaintext', () => {
    assert.equal(open(keys, seal(keys, '', AAD), AAD), '');
    assert.equal(open(keys, seal(keys, 'パスワード🔑', AAD), AAD), 'パスワード🔑');
  });

  for (const [name, part] of [
    ['iv', 2],
    ['ciphertext', 3],
    ['tag', 4],
  ] as const) {
    it(`refuses a tampered ${name}`, () => {
      const sealed = seal(keys, 'secret', AAD);
      assert.throws(() => open(keys, tamper(sealed, part), AAD), isSealedError('auth_failed'));
    });
  }

  it('T4: a secret copied to another user does not open (wrong AAD)', () => {
    const sealed = seal(keys, 'secret', 'totp:user-1');
    assert.throws(() => open(keys, sealed, 'totp:user-2'), isSealedError('auth_failed'));
    assert.throws(() => open(keys, sealed, ''), isSealedError('auth_failed'));
  });

  it('refuses a changed key id, version or shape', () => {
    const sealed = seal(keys, 'secret', AAD);
    const both = parseSealingKeys(`k1:${K1},k2:${K2}`);
    assert.throws(() => open(both, sealed.replace('v1.k1.', 'v1.k2.'), AAD), isSealedError('auth_failed'));
    assert.throws(() => open(keys, sealed.replace('v1.k1.', 'v1.k9.'), AAD), isSealedError('unknown_kid'));
    assert.throws(() => open(keys, sealed.replace('v1.', 'v2.'), AAD), isSealedError('malformed'));
    assert.throws(() => open(keys, `${sealed}.x`, AAD), isSealedError('malformed'));
    assert.throws(() => open(keys, sealed.slice(3), AAD), isSealedError('malformed'));
    assert.throws(() => open(keys, '', AAD), isSealedError('malformed'));
    assert.throws(() => open(keys, sealed.replace(/\.([^.]*)$/, '.$1!'), AAD), isSealedError('malformed'));
    assert.throws(() => open(keys, sealed.replace(/\.([^.]*)$/, '.$1A'), AAD), isSealedError('malformed'));
  });

  it('rotation: a value sealed with an old key still opens after a new current key is added', () => {
    const old = parseSealingKeys(`k1:${K1}`);
    const sealed = seal(old, 'secret', AAD);
    const rotated = parseSealingKeys(`k2:${K2},k1:${K1}`);
    assert.equal(rotated.current, 'k2');
    assert.equal(needsRotation(old, sealed), false);
    assert.equal(needsRotation(rotated, sealed), true);
    assert.equal(open(rotated, sealed, AAD), 'secret');

    const resealed = reseal(rotated, sealed, AAD);
    assert.match(resealed, /^v1\.k2\./);
    assert.equal(needsRotation(rotated, resealed), false);
    assert.equal(open(rotated, resealed, AAD), 'secret');
    assert.equal(reseal(rotated, resealed, AAD), resealed, 'already current: unchanged');
    // Once the old key is removed, only the resealed value opens.
    const onlyNew = parseSealingKeys(`k2:${K2}`);
    assert.equal(open(onlyNew, resealed, AAD), 'secret');
    assert.throws(() => open(onlyNew, sealed, AAD), isSealedError('unknown_kid'));
  });

  it('reseal refuses a value that does not authenticate', () => {
    const rotated = parseSealingKeys(`k2:${K2},k1:${K1}`);
    const sealed = seal(parseSealingKeys(`k1:${K1}`), 'secret', AAD);
    assert.throws(() => reseal(rotated, sealed, 'totp:other'), isSealedError('auth_failed'));
  });

  describe('parseSealingKeys', () => {
    it('takes the first key as current and trims whitespace', () => {
      const parsed: SealingKeys = parseSealingKeys(` a_1:${K1} ,\n b-2:${K2}= `);
      assert.equal(parsed.current, 'a_1');
      assert.deepEqual([...parsed.keys.keys()], ['a_1', 'b-2']);
      assert.equal(parsed.keys.get('b-2')?.length, 32);
    });

    const bad: Array<[string, string, RegExp]> = [
      ['empty', '', /no keys/],
      ['blank', '  ', /no keys/],
      ['empty entry', `k1:${K1},`, /entry 2 is empty/],
      ['missing kid', K1, /no "kid:" prefix/],
      ['empty kid', `:${K1}`, /key id must be/],
      ['kid with a dot', `k.1:${K1}`, /key id must be/],
      ['kid too long', `${'k'.repeat(33)}:${K1}`, /key id must be/],
      ['short key', `k1:${randomBytes(16).toString('base64url')}`, /exactly 32 bytes/],
      ['long key', `k1:${randomBytes(33).toString('base64url')}`, /exactly 32 bytes/],
      ['non-base64url key', `k1:${K1.slice(0, -1)}!`, /exactly 32 bytes/],
      ['duplicate kid', `k1:${K1},k1:${K2}`, /duplicate key id "k1"/],
      ['same key twice', `k1:${K1},k2:${K1}`, /repeats the key material/],
    ];
    for (const [name, spec, message] of bad) {
      it(`refuses ${name} with a clear message that does not contain key material`, () => {
        assert.throws(
          () => parseSealingKeys(spec),
          (err: unknown) =>
            err instanceof Error &&
            message.test(err.message) &&
            !err.message.includes(K1) &&
            !err.message.includes(K2),
        );
      });
    }
  });
});
