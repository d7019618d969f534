// T3: exactly 4 single-use backup codes, ≥ 50 bits each, easy to type, stored only as argon2id
// hashes (NIST SP 800-63B §5.1.2.2).
import assert from 'node:assert/strict';
import { hashSecretCode, verifyHashedSecretCode } from '../../src/crypto/password.ts';
import {
  BACKUP_CODE_ALPHABET,
  BACKUP_CODE_COUNT,
  BACKUP_CODE_ENTROPY_BITS,
  BACKUP_CODE_LENGTH,
  backupCodesText,
  generateBackupCodes,
  normalizeBackupCode,
} from '../../src/mfa/backup-codes/codes.ts';

const FORMAT = /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/;

describe('backup codes (T3)', () => {
  it('generates exactly 4 unique codes in the xxxxx-xxxxx format', () => {
    assert.equal(BACKUP_CODE_COUNT, 4);
    for (let round = 0; round < 50; round++) {
      const codes = generateBackupCodes();
      assert.equal(codes.length, 4);
      assert.equal(new Set(codes).size, 4);
      for (const code of codes) {
        assert.match(code, FORMAT);
        assert.doesNotMatch(code, /[ilou]/);
      }
    }
  });

  it('has at least 50 bits of entropy per code (alphabet size ^ length ≥ 2^50)', () => {
    assert.equal(BACKUP_CODE_ALPHABET.length, 32);
    assert.equal(new Set(BACKUP_CODE_ALPHABET).size, 32, 'no repeated characters');
    assert.ok(BACKUP_CODE_ALPHABET.length ** BACKUP_CODE_LENGTH >= 2 ** 50);
    assert.ok(BACKUP_CODE_ENTROPY_BITS >= 50);
  });

  it('uses the whole alphabet (sanity check of the random draw)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++)
      for (const code of generateBackupCodes()) for (const c of code.replace('-', '')) seen.add(c);
    assert.equal(seen.size, 32);
  });

  it('generated codes are already canonical', () => {
    for (const code of generateBackupCodes()) assert.equal(normalizeBackupCode(code), code);
  });

  describe('normalizeBackupCode', () => {
    const same: Array<[string, string]> = [
      ['7k3qm-x9a2c', '7k3qm-x9a2c'],
      ['7K3QM-X9A2C', '7k3qm-x9a2c'],
      ['7k3qmx9a2c', '7k3qm-x9a2c'],
      [' 7k3 qm x9a 2c ', '7k3qm-x9a2c'],
      ['7k-3q-mx-9a-2c', '7k3qm-x9a2c'],
      ['\t7k3qm-x9a2c\n', '7k3qm-x9a2c'],
      ['o0ilo-IL1Oo', '00110-11100'],
    ];
    for (const [input, expected] of same) {
      it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(normalizeBackupCode(input), expected));
    }

    const bad = [
      '',
      '7k3qm-x9a2',
      '7k3qm-x9a2cc',
      '7k3qm-x9a2u',
      '7k3qm_x9a2c',
      '７ｋ３ｑｍ－ｘ９ａ２ｃ',
      '7k3qm-x9a2\u212a', // KELVIN SIGN lowercases to ASCII "k"
      '7k3qm\u200b-x9a2c',
      '7k3qm-x9a2c'.repeat(1000),
    ];
    for (const input of bad) {
      it(`${JSON.stringify(input.slice(0, 24))} → undefined`, () =>
        assert.equal(normalizeBackupCode(input), undefined));
    }

    it('non-string input → undefined', () => {
      for (const input of [undefined, null, 42, ['7k3qm-x9a2c']])
        assert.equal(normalizeBackupCode(input), undefined);
    });
  });

  it('a typed variant verifies against the stored hash of the generated code', async () => {
    const [code] = generateBackupCodes();
    const stored = await hashSecretCode(code);
    assert.ok(!stored.includes(code));
    const typed = ` ${code.toUpperCase().replace('-', ' ')} `;
    assert.equal(await verifyHashedSecretCode(stored, normalizeBackupCode(typed)!), true);
    const [other] = generateBackupCodes().filter((c) => c !== code);
    assert.equal(await verifyHashedSecretCode(stored, other), false);
  });

  it('backupCodesText has a header, every code and the single-use note', () => {
    const codes = generateBackupCodes();
    const text = backupCodesText(codes, {
      issuer: 'Deadbolt',
      email: 'alice@example.com',
      createdAt: new Date('2030-01-02T03:04:05Z'),
    });
    const lines = text.split('\n');
    assert.equal(lines[0], 'Deadbolt backup codes for alice@example.com');
    assert.ok(text.includes('2030-01-02'));
    for (const [i, code] of codes.entries()) assert.ok(lines.includes(`${i + 1}. ${code}`));
    assert.match(text, /works only once/);
    assert.ok(text.endsWith('\n'));
    assert.ok(!text.includes('\r'));
  });
});
