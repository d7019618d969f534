// T2 (TOTP enrollment and drift window) and T4 (replay refusal), checked against RFC 6238
// Appendix B and RFC 4226 Appendix D through the same otplib options our code uses.
import assert from 'node:assert/strict';
import { generate, stringToBytes } from 'otplib';
import {
  createTotpSecret,
  formatSecretForDisplay,
  normalizeTotpToken,
  TOTP_OPTIONS,
  totpQrSvg,
  totpUri,
  verifyTotp,
} from '../../src/mfa/totp/totp.ts';

// The RFC test secret "12345678901234567890" (ASCII), as bytes and as base32.
const RFC_SECRET_BYTES = stringToBytes('12345678901234567890');
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
// A fixed secret keeps the window tests deterministic (a random one could, once in ~10^5 runs,
// give two steps of the window the same code).
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const at = (epochSeconds: number) => new Date(epochSeconds * 1000);
const code = (secret: string, epoch: number) => generate({ ...TOTP_OPTIONS, secret, epoch });

describe('TOTP', () => {
  describe('RFC 6238 Appendix B (SHA-1, 8 digits)', () => {
    const vectors: Array<[number, string]> = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [epoch, expected] of vectors) {
      it(`T = ${epoch} → ${expected}`, async () => {
        assert.equal(
          await generate({ ...TOTP_OPTIONS, secret: RFC_SECRET_BYTES, epoch, digits: 8 }),
          expected,
        );
        // Same key as base32 (as stored), and the 6-digit code is the last 6 digits of the 8-digit one.
        assert.equal(await generate({ ...TOTP_OPTIONS, secret: RFC_SECRET, epoch, digits: 8 }), expected);
        const result = await verifyTotp({
          secret: RFC_SECRET,
          token: expected.slice(-6),
          lastStep: null,
          now: at(epoch),
        });
        assert.deepEqual(result, { ok: true, step: Math.floor(epoch / 30) });
      });
    }
  });

  describe('RFC 4226 Appendix D (HOTP = TOTP at epoch counter × 30)', () => {
    const hotp = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ];
    for (const [counter, expected] of hotp.entries()) {
      it(`counter ${counter} → ${expected} through verifyTotp`, async () => {
        const now = at(counter * 30);
        assert.equal(await code(RFC_SECRET, counter * 30), expected);
        assert.deepEqual(
          await verifyTotp({ secret: RFC_SECRET, token: expected, lastStep: null, now, windowSteps: 0 }),
          {
            ok: true,
            step: counter,
          },
        );
        assert.deepEqual(await verifyTotp({ secret: RFC_SECRET, token: expected, lastStep: null, now }), {
          ok: true,
          step: counter,
        });
      });
    }
  });

  describe('secret and enrollment (T2)', () => {
    it('creates 20-byte base32 secrets', () => {
      const a = createTotpSecret();
      assert.match(a, /^[A-Z2-7]{32}$/);
      assert.notEqual(a, createTotpSecret());
    });

    it('builds an otpauth URI with issuer, account and all parameters', () => {
      const secret = createTotpSecret();
      const uri = totpUri({ issuer: 'Deadbolt Corp', accountName: 'alice+mfa@example.com', secret });
      assert.equal(
        uri,
        `otpauth://totp/Deadbolt%20Corp:alice%2Bmfa%40example.com?secret=${secret}&issuer=Deadbolt%20Corp&algorithm=SHA1&digits=6&period=30`,
      );
      const url = new URL(uri);
      assert.equal(url.protocol, 'otpauth:');
      assert.equal(url.host, 'totp');
      assert.equal(decodeURIComponent(url.pathname), '/Deadbolt Corp:alice+mfa@example.com');
      assert.equal(url.searchParams.get('secret'), secret);
      assert.equal(url.searchParams.get('issuer'), 'Deadbolt Corp');
      assert.equal(url.searchParams.get('algorithm'), 'SHA1');
      assert.equal(url.searchParams.get('digits'), '6');
      assert.equal(url.searchParams.get('period'), '30');
    });

    it('encodes a colon inside the issuer or account so the label stays unambiguous', () => {
      const uri = totpUri({ issuer: 'A:B', accountName: 'c:d', secret: RFC_SECRET });
      assert.ok(uri.startsWith('otpauth://totp/A%3AB:c%3Ad?'), uri);
    });

    it('formats the secret in blocks of 4', () => {
      assert.equal(formatSecretForDisplay(RFC_SECRET), 'GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
      assert.equal(formatSecretForDisplay('abcdefghij'), 'ABCD EFGH IJ');
    });

    it('renders the URI as an SVG QR code', async () => {
      const svg = await totpQrSvg(
        totpUri({ issuer: 'Deadbolt', accountName: 'a@example.com', secret: RFC_SECRET }),
      );
      assert.ok(svg.startsWith('<svg'), svg.slice(0, 40));
      assert.ok(svg.trimEnd().endsWith('</svg>'));
    });
  });

  describe('drift window (T2)', () => {
    const secret = SECRET;
    const now = 1_700_000_015; // inside step 56666667
    const step = Math.floor(now / 30);

    for (const offset of [-1, 0, 1]) {
      it(`accepts the code of step ${offset >= 0 ? '+' : ''}${offset}`, async () => {
        const token = await code(secret, now + offset * 30);
        assert.deepEqual(await verifyTotp({ secret, token, lastStep: null, now: at(now) }), {
          ok: true,
          step: step + offset,
        });
      });
    }

    for (const offset of [-2, 2]) {
      it(`X6: refuses the code of step ${offset >= 0 ? '+' : ''}${offset} as clock drift (told, not accepted)`, async () => {
        const token = await code(secret, now + offset * 30);
        assert.deepEqual(await verifyTotp({ secret, token, lastStep: null, now: at(now) }), {
          ok: false,
          reason: 'drift',
        });
      });
    }

    for (const offset of [-3, 3]) {
      it(`X6: refuses the code of step ${offset >= 0 ? '+' : ''}${offset} as invalid (no hint that far out)`, async () => {
        const token = await code(secret, now + offset * 30);
        assert.deepEqual(await verifyTotp({ secret, token, lastStep: null, now: at(now) }), {
          ok: false,
          reason: 'invalid',
        });
      });
    }

    it('X6: the code of a used step just outside the window is a replay, not drift', async () => {
      const token = await code(secret, now - 60);
      assert.deepEqual(await verifyTotp({ secret, token, lastStep: step - 2, now: at(now) }), {
        ok: false,
        reason: 'replay',
      });
    });

    it('accepts spaces inside the code', async () => {
      const token = await code(secret, now);
      const spaced = ` ${token.slice(0, 3)} ${token.slice(3)} `;
      assert.deepEqual(await verifyTotp({ secret, token: spaced, lastStep: null, now: at(now) }), {
        ok: true,
        step,
      });
    });

    it('refuses a wrong code as invalid', async () => {
      const token = await code(secret, now);
      const wrong = String((Number(token) + 1) % 1_000_000).padStart(6, '0');
      assert.deepEqual(await verifyTotp({ secret, token: wrong, lastStep: null, now: at(now) }), {
        ok: false,
        reason: 'invalid',
      });
    });
  });

  describe('replay (T4, RFC 6238 §5.2)', () => {
    const secret = SECRET;
    const now = 1_700_000_015;
    const step = Math.floor(now / 30);

    it('refuses the same step again as replay', async () => {
      const token = await code(secret, now);
      const first = await verifyTotp({ secret, token, lastStep: step - 5, now: at(now) });
      assert.deepEqual(first, { ok: true, step });
      assert.deepEqual(await verifyTotp({ secret, token, lastStep: step, now: at(now) }), {
        ok: false,
        reason: 'replay',
      });
    });

    it('refuses an earlier step as replay', async () => {
      const token = await code(secret, now - 30);
      assert.deepEqual(await verifyTotp({ secret, token, lastStep: step, now: at(now) }), {
        ok: false,
        reason: 'replay',
      });
    });

    it('accepts a later step', async () => {
      const token = await code(secret, now + 30);
      assert.deepEqual(await verifyTotp({ secret, token, lastStep: step, now: at(now) }), {
        ok: true,
        step: step + 1,
      });
    });

    it('still tells replay from invalid when lastStep is ahead of the whole window (clock moved back)', async () => {
      const token = await code(secret, now);
      assert.deepEqual(await verifyTotp({ secret, token, lastStep: step + 10, now: at(now) }), {
        ok: false,
        reason: 'replay',
      });
      const wrong = String((Number(token) + 1) % 1_000_000).padStart(6, '0');
      assert.deepEqual(await verifyTotp({ secret, token: wrong, lastStep: step + 10, now: at(now) }), {
        ok: false,
        reason: 'invalid',
      });
    });

    it('a wrong code is invalid, not replay, even with a lastStep', async () => {
      const token = await code(secret, now);
      const wrong = String((Number(token) + 1) % 1_000_000).padStart(6, '0');
      assert.deepEqual(await verifyTotp({ secret, token: wrong, lastStep: step, now: at(now) }), {
        ok: false,
        reason: 'invalid',
      });
    });
  });

  describe('odd input is invalid and never throws', () => {
    const secret = createTotpSecret();
    const odd = [
      '１２３４５６',
      '12345',
      '1234567',
      '',
      'abcdef',
      '12 34 5',
      '123\u200b456',
      '١٢٣٤٥٦',
      '9'.repeat(10_000),
    ];
    for (const token of odd) {
      it(`${JSON.stringify(token.slice(0, 12))}${token.length > 12 ? '…' : ''} → invalid`, async () => {
        assert.equal(normalizeTotpToken(token), undefined);
        assert.deepEqual(await verifyTotp({ secret, token, lastStep: null }), {
          ok: false,
          reason: 'invalid',
        });
      });
    }

    it('non-string input (from an untyped form) → invalid', async () => {
      for (const token of [undefined, null, 123456, ['123456'], { token: '123456' }]) {
        assert.equal(normalizeTotpToken(token), undefined);
        const result = await verifyTotp({ secret, token: token as unknown as string, lastStep: null });
        assert.deepEqual(result, { ok: false, reason: 'invalid' });
      }
    });

    it('rejects a nonsensical window as a programming error', async () => {
      await assert.rejects(
        verifyTotp({ secret, token: '123456', lastStep: null, windowSteps: -1 }),
        RangeError,
      );
      await assert.rejects(
        verifyTotp({ secret, token: '123456', lastStep: null, windowSteps: 1.5 }),
        RangeError,
      );
    });
  });
});
