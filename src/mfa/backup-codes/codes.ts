// Backup codes (T3; NIST SP 800-63B §5.1.2 look-up secrets): 4 single-use codes `xxxxx-xxxxx`
// from the lowercase Crockford base32 alphabet (no i, l, o, u): 10 characters × 5 bits = 50 bits.
//
// Codes are under 112 bits, so only argon2id hashes are stored (hashSecretCode in
// src/crypto/password.ts), one row per code. Hash and verify the canonical form: generated codes
// already are, and user input becomes it through normalizeBackupCode().
import { randomInt } from 'node:crypto';

export const BACKUP_CODE_COUNT = 4;

/** Lowercase Crockford base32: digits and letters without i, l, o, u. */
export const BACKUP_CODE_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const BACKUP_CODE_LENGTH = 10;
const GROUP = 5;

/** log2(32^10) = 50 bits per code. */
export const BACKUP_CODE_ENTROPY_BITS = BACKUP_CODE_LENGTH * Math.log2(BACKUP_CODE_ALPHABET.length);

// Longer input than this is not a backup code someone typed; refused before any processing.
const MAX_INPUT_LENGTH = 64;
const SEPARATORS = /[ \t\r\n-]/g;
// Crockford decoding: letters that look like digits are read as those digits.
const CONFUSABLES: Readonly<Record<string, string>> = { o: '0', i: '1', l: '1' };
const CANONICAL = new RegExp(`^[${BACKUP_CODE_ALPHABET}]{${BACKUP_CODE_LENGTH}}$`);

function formatCode(chars: string): string {
  return `${chars.slice(0, GROUP)}-${chars.slice(GROUP)}`;
}

/** BACKUP_CODE_COUNT distinct codes; crypto.randomInt draws each character without modulo bias. */
export function generateBackupCodes(): string[] {
  const codes = new Set<string>();
  while (codes.size < BACKUP_CODE_COUNT) {
    let chars = '';
    for (let i = 0; i < BACKUP_CODE_LENGTH; i++)
      chars += BACKUP_CODE_ALPHABET[randomInt(BACKUP_CODE_ALPHABET.length)];
    codes.add(formatCode(chars));
  }
  return [...codes];
}

/**
 * The canonical `xxxxx-xxxxx` form of what the user typed, or undefined if it cannot be a backup
 * code. Case-insensitive; spaces and hyphens are ignored; o → 0 and i, l → 1. Only ASCII is
 * accepted (full-width or other look-alike characters give undefined). Never throws.
 */
export function normalizeBackupCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return undefined;
  // Only ASCII letters are lowercased here: String#toLowerCase() maps some non-ASCII letters
  // (e.g. U+212A KELVIN SIGN) to ASCII ones.
  const compact = input
    .replace(SEPARATORS, '')
    .replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32))
    .replace(/[oil]/g, (c) => CONFUSABLES[c] ?? c);
  return CANONICAL.test(compact) ? formatCode(compact) : undefined;
}

export interface BackupCodesTextOptions {
  issuer: string;
  email: string;
  /** Defaults to now; only shown in the file. */
  createdAt?: Date;
}

/** Content of the downloadable `.txt` file (LF line ends, final newline). */
export function backupCodesText(
  codes: readonly string[],
  { issuer, email, createdAt }: BackupCodesTextOptions,
): string {
  const when = (createdAt ?? new Date()).toISOString().slice(0, 10);
  return [
    `${issuer} backup codes for ${email}`,
    `Created ${when}`,
    '',
    ...codes.map((code, i) => `${i + 1}. ${code}`),
    '',
    'Each code works only once. Use one when you cannot use your other sign-in methods.',
    'Keep this file somewhere safe; anyone with these codes can pass your second sign-in step.',
    '',
  ].join('\n');
}
