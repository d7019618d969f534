// New-password rules (U3, U4; NIST SP 800-63B §5.1.1.2): at least 8 characters, long passphrases
// welcome (up to 1024), no composition rules; refused when on a list of common/breached passwords
// (the 49k "passwords-common" dictionary shipped by @zxcvbn-ts/language-common) or when it is
// (or contains) the account's e-mail address or its name part.
import { dictionary } from '@zxcvbn-ts/language-common';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

const COMMON = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

export type PasswordProblem = { key: string; params?: Record<string, number> };

/** Undefined when the password may be used; otherwise the i18n key (and values) saying why not. */
export function checkNewPassword(password: string, email: string): PasswordProblem | undefined {
  const normalized = password.normalize('NFKC');
  const length = [...normalized].length; // code points, not UTF-16 units
  if (length < PASSWORD_MIN_LENGTH)
    return { key: 'password.too_short', params: { min: PASSWORD_MIN_LENGTH } };
  if (length > PASSWORD_MAX_LENGTH) return { key: 'password.too_long', params: { max: PASSWORD_MAX_LENGTH } };
  const lower = normalized.toLowerCase();
  if (COMMON.has(lower) || COMMON.has(lower.replace(/[\d!.?]+$/, ''))) return { key: 'password.common' };
  const address = email.trim().toLowerCase();
  const name = address.split('@')[0] ?? '';
  if (lower.includes(address) || (name.length >= 3 && lower.includes(name)))
    return { key: 'password.like_email' };
  return undefined;
}
