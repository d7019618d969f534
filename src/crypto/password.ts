// Password and look-up secret hashing (NIST SP 800-63B §5.1.1.2, §5.1.2.2): argon2id with the
// OWASP Password Storage Cheat Sheet parameters, a random 16-byte salt per hash (PHC string).
//
// Passwords are NFKC-normalized before hashing (800-63B §5.1.1.2), so the same password typed
// with another input method (e.g. full-width characters) still matches. Backup codes are hashed
// as given: the caller passes the canonical form (see src/mfa/backup-codes/codes.ts).
import { randomBytes } from 'node:crypto';
import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { verifyAnyFormat } from './password-formats.ts';

// @node-rs/argon2 declares `Algorithm` as an ambient const enum whose runtime object is empty, so
// `Algorithm.Argon2id` would be `undefined` under type stripping; the numeric value is used instead.
const ARGON2ID = 2 as Algorithm;

/** OWASP minimum for argon2id: m = 19 MiB, t = 2, p = 1. */
export const ARGON2_MEMORY_COST_KIB = 19456;
export const ARGON2_TIME_COST = 2;
export const ARGON2_PARALLELISM = 1;

const OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: ARGON2_MEMORY_COST_KIB,
  timeCost: ARGON2_TIME_COST,
  parallelism: ARGON2_PARALLELISM,
} as const;

/** PHC prefix every hash produced here starts with. */
export const ARGON2_HASH_PREFIX = `$argon2id$v=19$m=${ARGON2_MEMORY_COST_KIB},t=${ARGON2_TIME_COST},p=${ARGON2_PARALLELISM}$`;

function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export function hashPassword(password: string): Promise<string> {
  return hash(normalizePassword(password), OPTIONS);
}

/**
 * Never throws: a malformed or empty hash, or a non-string input, is simply `false`. A hash of
 * another format (imported, A4: argon2i, bcrypt, scrypt, PBKDF2) is verified by its own verifier.
 */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  if (typeof passwordHash !== 'string' || typeof password !== 'string' || passwordHash === '') return false;
  if (needsRehash(passwordHash)) return verifyAnyFormat(passwordHash, password);
  try {
    return await verify(passwordHash, normalizePassword(password));
  } catch {
    return false;
  }
}

/** A4: true for any hash but our own argon2id with the current parameters (rehash at sign-in). */
export function needsRehash(passwordHash: string): boolean {
  return !passwordHash.startsWith(ARGON2_HASH_PREFIX);
}

/** Hash for a short look-up secret (backup code): < 112 bits, so salted and argon2id-hashed. */
export function hashSecretCode(code: string): Promise<string> {
  return hash(code, OPTIONS);
}

/** Never throws: a malformed hash is `false`. */
export async function verifyHashedSecretCode(codeHash: string, code: string): Promise<boolean> {
  if (typeof codeHash !== 'string' || typeof code !== 'string' || codeHash === '') return false;
  try {
    return await verify(codeHash, code);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * A valid hash of a random password, computed once on first use. Verifying against it when the
 * account does not exist makes "unknown user" cost the same as "wrong password".
 */
export function DUMMY_PASSWORD_HASH(): Promise<string> {
  if (!dummyHash) {
    dummyHash = hash(randomBytes(32).toString('base64url'), OPTIONS);
    dummyHash.catch(() => {
      dummyHash = undefined;
    });
  }
  return dummyHash;
}
