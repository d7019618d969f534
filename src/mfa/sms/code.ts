// The codes texted for SMS (S3): 6 digits from a CSPRNG, what a person typed normalized to them,
// and how many wrong tries one code gets.
import { randomInt } from 'node:crypto';

/** Wrong codes accepted against one code before it is void and a new one must be sent. */
export const MAX_ATTEMPTS_PER_CODE = 5;
export const SMS_CODE_DIGITS = 6;

/** A 6-digit code from a CSPRNG (uniform, leading zeros kept). */
export function newSmsCode(): string {
  return String(randomInt(0, 10 ** SMS_CODE_DIGITS)).padStart(SMS_CODE_DIGITS, '0');
}

/** What a person typed, as the 6 digits (full-width digits, spaces and hyphens allowed). */
export function normalizeSmsCode(input: string): string | undefined {
  const text = String(input).normalize('NFKC').replace(/[\s-]/g, '');
  return new RegExp(`^\\d{${SMS_CODE_DIGITS}}$`).test(text) ? text : undefined;
}
