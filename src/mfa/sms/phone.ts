// Phone numbers for SMS codes (S2): any national or international format is normalized to E.164,
// numbers from blocked countries are refused, and numbers are masked for display and logs.
//
// The `max` metadata is used so that `isValid()` checks the real numbering plan of the country,
// not only the length (the default `min` metadata accepts any number of the right length).
import examples from 'libphonenumber-js/examples.mobile.json';
import { type CountryCode, getExampleNumber, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type { CountryCode };

export type ParsedPhone =
  | { ok: true; e164: string; country: CountryCode }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'blocked'; country: CountryCode };

/** Countries SMS codes are not sent to unless configured otherwise (the list is configuration). */
export const DEFAULT_BLOCKED_COUNTRIES: readonly CountryCode[] = Object.freeze([
  'CN', // China
  'RU', // Russia
  'IR', // Iran
  'SY', // Syria
  'CU', // Cuba
  'VE', // Venezuela
  'KP', // North Korea
  'UZ', // Uzbekistan
  'KG', // Kyrgyzstan
] as const);

export interface ParsePhoneOptions {
  /** Defaults to `DEFAULT_BLOCKED_COUNTRIES`. */
  blockedCountries?: readonly CountryCode[];
}

// Longer input than this is not a phone number someone typed; it is refused before parsing.
const MAX_INPUT_LENGTH = 64;
// After NFKC (which turns full-width digits, plus and hyphen into ASCII): decimal digits (libphonenumber
// also reads Arabic-Indic ones), spaces and the punctuation people put in phone numbers, including
// the dashes Japanese input methods produce (U+2010–U+2015, U+2212 minus, U+30FC prolonged sound
// mark). Anything else (letters, extensions, control or bidi/zero-width format characters) makes the
// input invalid.
const ALLOWED = /^[\p{Nd}+\-().\s\u2010-\u2015\u2212\u30FC]+$/u;

const INVALID: ParsedPhone = Object.freeze({ ok: false, reason: 'invalid' });

/**
 * Parses what a user typed into an E.164 number. National formats need `defaultCountry`
 * (e.g. `090-1234-5678` with `JP`); international ones (`+81 …`, full-width too) do not.
 * Never throws.
 */
export function parsePhone(
  input: string,
  defaultCountry?: CountryCode,
  options: ParsePhoneOptions = {},
): ParsedPhone {
  try {
    if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return INVALID;
    const text = input.normalize('NFKC').trim();
    if (text === '' || !ALLOWED.test(text)) return INVALID;
    const digits = text.match(/\p{Nd}/gu)?.length ?? 0;
    if (digits < 4 || digits > 20) return INVALID;

    const phone = parsePhoneNumberFromString(text, defaultCountry);
    if (!phone?.isValid() || phone.ext) return INVALID;
    // Non-geographic numbers (+800, +882, …) have no country and cannot receive our SMS.
    const country = phone.country;
    if (!country) return INVALID;

    const blocked = options.blockedCountries ?? DEFAULT_BLOCKED_COUNTRIES;
    if (blocked.includes(country)) return { ok: false, reason: 'blocked', country };
    return { ok: true, e164: phone.number, country };
  } catch {
    return INVALID;
  }
}

/**
 * Masks an E.164 number for display and logs: the country calling code and the last four digits
 * stay, every other digit becomes a bullet, grouped as the country writes it, e.g.
 * `+819012345678` → `+81 •• •••• 5678`. Never throws; unparsable input is masked generically.
 */
export function maskPhone(e164: string): string {
  try {
    const phone = parsePhoneNumberFromString(e164);
    if (phone) {
      const prefix = `+${phone.countryCallingCode} `;
      const international = phone.formatInternational();
      if (international.startsWith(prefix)) {
        return prefix + maskDigits(international.slice(prefix.length), 4);
      }
    }
  } catch {
    // fall through to the generic mask
  }
  const digits = String(e164).replace(/\D/g, '');
  if (digits.length < 8) return '••••';
  return `+${'•'.repeat(digits.length - 4)}${digits.slice(-4)}`;
}

/** Replaces every digit but the last `keep` ones with a bullet, leaving separators in place. */
function maskDigits(text: string, keep: number): string {
  let toHide = text.replace(/\D/g, '').length - keep;
  let out = '';
  for (const ch of text) {
    if (/\d/.test(ch) && toHide > 0) {
      out += '•';
      toHide -= 1;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * An example mobile number of the country as its people write it (`JP` → `090-1234-5678`,
 * `GB` → `07400 123456`), or in international format without a country, so the hint under the
 * number field can be typed as shown (issue 16 item 5).
 */
export function examplePhone(country: CountryCode | ''): string {
  const phone = getExampleNumber(country || 'US', examples);
  if (!phone) return '';
  return country ? phone.formatNational() : phone.formatInternational();
}

const displayNames = new Map<string, Intl.DisplayNames>();

/** The country's name for messages such as "SMS codes cannot be sent to numbers in Russia". */
export function countryName(code: CountryCode, locale: 'en' | 'ja'): string {
  let names = displayNames.get(locale);
  if (!names) {
    names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'code' });
    displayNames.set(locale, names);
  }
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}
