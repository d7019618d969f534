// S2: phone numbers are normalized to E.164, blocked countries are refused, bad input never throws.
import assert from 'node:assert/strict';
import examples from 'libphonenumber-js/examples.mobile.json';
import { type CountryCode, getExampleNumber } from 'libphonenumber-js/max';
import {
  countryName,
  DEFAULT_BLOCKED_COUNTRIES,
  maskPhone,
  type ParsedPhone,
  parsePhone,
} from '../../src/mfa/sms/phone.ts';

const BLOCKED: Array<[CountryCode, string, string]> = [
  ['CN', 'China', '中国'],
  ['RU', 'Russia', 'ロシア'],
  ['IR', 'Iran', 'イラン'],
  ['SY', 'Syria', 'シリア'],
  ['CU', 'Cuba', 'キューバ'],
  ['VE', 'Venezuela', 'ベネズエラ'],
  ['KP', 'North Korea', '北朝鮮'],
  ['UZ', 'Uzbekistan', 'ウズベキスタン'],
  ['KG', 'Kyrgyzstan', 'キルギス'],
];

function exampleMobile(country: CountryCode) {
  const example = getExampleNumber(country, examples);
  assert.ok(example, `libphonenumber-js has an example mobile number for ${country}`);
  return example;
}

describe('S2 phone numbers', () => {
  describe('blocked countries', () => {
    it('S2: the default list is exactly the nine configured countries', () => {
      assert.deepEqual([...DEFAULT_BLOCKED_COUNTRIES].sort(), BLOCKED.map(([c]) => c).sort());
    });

    for (const [country, en, ja] of BLOCKED) {
      it(`S2: refuses a real ${en} (${country}) mobile number, naming the country`, () => {
        const example = exampleMobile(country);
        assert.ok(example.isValid());
        const expected: ParsedPhone = { ok: false, reason: 'blocked', country };
        // International format, E.164, and national format with the country as default.
        assert.deepEqual(parsePhone(example.formatInternational()), expected);
        assert.deepEqual(parsePhone(example.number), expected);
        assert.deepEqual(parsePhone(example.formatNational(), country), expected);
        // Even when the user's default country is elsewhere, the +CC number is still refused.
        assert.deepEqual(parsePhone(example.formatInternational(), 'JP'), expected);
        assert.equal(countryName(country, 'en'), en);
        assert.equal(countryName(country, 'ja'), ja);
      });
    }

    it('S2: the list is configuration: an empty list lets a Russian number through, another list blocks JP', () => {
      const ru = exampleMobile('RU');
      assert.deepEqual(parsePhone(ru.number, undefined, { blockedCountries: [] }), {
        ok: true,
        e164: ru.number,
        country: 'RU',
      });
      assert.deepEqual(parsePhone('090-1234-5678', 'JP', { blockedCountries: ['JP'] }), {
        ok: false,
        reason: 'blocked',
        country: 'JP',
      });
    });

    it('S2: +7 numbers are told apart: Kazakhstan is not Russia', () => {
      const kz = exampleMobile('KZ');
      assert.deepEqual(parsePhone(kz.formatInternational()), { ok: true, e164: kz.number, country: 'KZ' });
    });
  });

  describe('normalization to E.164', () => {
    const cases: Array<[string, CountryCode | undefined, string, CountryCode]> = [
      ['090-1234-5678', 'JP', '+819012345678', 'JP'],
      ['09012345678', 'JP', '+819012345678', 'JP'],
      ['+81 90-1234-5678', undefined, '+819012345678', 'JP'],
      ['+81 90-1234-5678', 'US', '+819012345678', 'JP'],
      ['０９０－１２３４－５６７８', 'JP', '+819012345678', 'JP'],
      ['090ー1234ー5678', 'JP', '+819012345678', 'JP'],
      ['  090 1234 5678  ', 'JP', '+819012345678', 'JP'],
      ['(201) 555-0123', 'US', '+12015550123', 'US'],
      ['201.555.0123', 'US', '+12015550123', 'US'],
      ['+1 201-555-0123', undefined, '+12015550123', 'US'],
      ['07400 123456', 'GB', '+447400123456', 'GB'],
      ['٠١٠٠ ١٢٣ ٤٥٦٧', 'EG', '+201001234567', 'EG'],
    ];
    for (const [input, country, e164, expected] of cases) {
      it(`S2: ${JSON.stringify(input)} (${country ?? 'no default'}) → ${e164}`, () => {
        assert.deepEqual(parsePhone(input, country), { ok: true, e164, country: expected });
      });
    }

    it('S2: a national number without a default country is invalid', () => {
      assert.deepEqual(parsePhone('090-1234-5678'), { ok: false, reason: 'invalid' });
    });
  });

  describe('bad input is refused without throwing', () => {
    const bad: Array<[string, string]> = [
      ['empty', ''],
      ['blank', '   '],
      ['letters', 'call me maybe'],
      ['vanity number', '1-800-FLOWERS'],
      ['too short', '12'],
      ['too few digits for the country', '090-1234'],
      ['too many digits', '090-1234-5678-9999'],
      ['very long', '9'.repeat(10_000)],
      ['very long with a valid start', `+81 90 1234 5678${' '.repeat(100)}`],
      ['extension', '+1 201 555 0123 ext. 42'],
      ['RTL override', '\u202E090-1234-5678'],
      ['zero-width space', '090\u200B1234\u200B5678'],
      ['NUL byte', '090-1234-5678\u0000'],
      ['emoji', '📞 090-1234-5678'],
      ['lone surrogate', '090-1234-5678\uD800'],
      ['Arabic words around the digits', 'رقم ٠١٠٠ ١٢٣ ٤٥٦٧'],
      ['Devanagari digits', '०९०१२३४५६७८'],
      ['SQL', "090'; DROP TABLE users;--"],
      ['non-geographic +800', '+800 1234 5678'],
      ['unassigned country code', '+999 1234 5678'],
    ];
    for (const [name, input] of bad) {
      it(`S2: ${name}`, () => {
        let result: ParsedPhone | undefined;
        assert.doesNotThrow(() => {
          result = parsePhone(input, 'JP');
        });
        assert.deepEqual(result, { ok: false, reason: 'invalid' });
      });
    }

    it('S2: non-string input from untyped callers is invalid, not a crash', () => {
      for (const value of [undefined, null, 42, {}, ['090']]) {
        assert.deepEqual(parsePhone(value as unknown as string, 'JP'), { ok: false, reason: 'invalid' });
      }
    });
  });

  describe('masking', () => {
    it('S2: keeps the country calling code and the last four digits', () => {
      assert.equal(maskPhone('+819012345678'), '+81 •• •••• 5678');
      assert.equal(maskPhone('+12015550123'), '+1 ••• ••• 0123');
      assert.equal(maskPhone('+447400123456'), '+44 •••• ••3456');
    });

    it('S2: never shows more than the last four digits, whatever the input', () => {
      assert.equal(maskPhone('+99912345678'), '+•••••••5678');
      assert.equal(maskPhone('123'), '••••');
      assert.equal(maskPhone(''), '••••');
      assert.equal(maskPhone('not a number'), '••••');
    });
  });
});
