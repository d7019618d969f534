// A4: password hashes imported from other identity providers, verified natively. Each format is
// recognized by its prefix; a hash of any format but our own argon2id parameters is replaced by an
// argon2id hash at the next successful sign-in (src/account/credentials.ts).
//
// Accepted formats (README "Bulk import"):
//   argon2    $argon2id$… / $argon2i$… / $argon2d$…  PHC strings (e.g. Keycloak, Auth0 exports)
//   bcrypt    $2a$… / $2b$… / $2y$…                   (Auth0, Okta, Devise, Laravel)
//   scrypt    $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>   passlib's format; salt and hash in
//             base64 (standard, URL-safe or passlib's "." alphabet, padding optional); the key
//             length is the decoded hash's length
//   PBKDF2    pbkdf2_sha256$<iterations>$<salt>$<base64 hash>   Django (salt used as text;
//             also pbkdf2_sha1, pbkdf2_sha512)
//             $pbkdf2-sha256$<iterations>$<b64 salt>$<b64 hash>  passlib (also -sha1, -sha512)
import { pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { verify as argon2Verify } from '@node-rs/argon2';
import { verify as bcryptVerify } from '@node-rs/bcrypt';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

export type HashFormat = 'argon2' | 'bcrypt' | 'scrypt' | 'pbkdf2';

interface Verifier {
  format: HashFormat;
  matches(hash: string): boolean;
  /** Throws or returns false on a malformed hash; the caller turns a throw into false. */
  verify(hash: string, password: string): Promise<boolean>;
}

/** Standard, URL-safe or passlib ("./" for "+/") base64, padding optional. */
function b64(text: string): Buffer {
  const std = text.replace(/\./g, '+').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(std)) throw new Error('not base64');
  return Buffer.from(std, 'base64');
}

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

const DIGESTS: Record<string, { node: string; bytes: number }> = {
  sha1: { node: 'sha1', bytes: 20 },
  sha256: { node: 'sha256', bytes: 32 },
  sha512: { node: 'sha512', bytes: 64 },
};
// Bounds that keep one sign-in from costing more than a few seconds of CPU or memory.
const MAX_PBKDF2_ITERATIONS = 5_000_000;
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

const DJANGO_PBKDF2 = /^pbkdf2_(sha1|sha256|sha512)\$(\d{1,8})\$([^$]{1,128})\$([A-Za-z0-9+/=]{8,128})$/;
const PASSLIB_PBKDF2 =
  /^\$pbkdf2(?:-(sha256|sha512))?\$(\d{1,8})\$([A-Za-z0-9./+=_-]{0,128})\$([A-Za-z0-9./+=_-]{8,128})$/;
const PASSLIB_SCRYPT =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9./+=_-]{0,128})\$([A-Za-z0-9./+=_-]{8,256})$/;

async function checkPbkdf2(
  digest: string,
  iterations: number,
  salt: Buffer,
  expected: Buffer,
  password: string,
): Promise<boolean> {
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) return false;
  const d = DIGESTS[digest];
  if (!d || expected.length === 0) return false;
  return same(await pbkdf2Async(password, salt, iterations, expected.length, d.node), expected);
}

const VERIFIERS: Verifier[] = [
  {
    format: 'argon2',
    matches: (h) => /^\$argon2(id|i|d)\$/.test(h),
    verify: (h, pw) => argon2Verify(h, pw),
  },
  {
    format: 'bcrypt',
    matches: (h) => /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(h),
    verify: (h, pw) => bcryptVerify(pw, h),
  },
  {
    format: 'scrypt',
    matches: (h) => PASSLIB_SCRYPT.test(h),
    async verify(h, pw) {
      const [, ln, r, p, salt, hash] = PASSLIB_SCRYPT.exec(h) ?? [];
      const N = 2 ** Number(ln);
      const memory = 128 * N * Number(r) * Number(p);
      if (Number(ln) < 1 || memory > MAX_SCRYPT_MEMORY) return false;
      const expected = b64(hash ?? '');
      const options = { N, r: Number(r), p: Number(p), maxmem: MAX_SCRYPT_MEMORY + 1024 * 1024 };
      return same(await scryptAsync(pw, b64(salt ?? ''), expected.length, options), expected);
    },
  },
  {
    format: 'pbkdf2',
    matches: (h) => DJANGO_PBKDF2.test(h) || PASSLIB_PBKDF2.test(h),
    verify(h, pw) {
      const django = DJANGO_PBKDF2.exec(h);
      if (django) {
        const [, digest, iterations, salt, hash] = django;
        return checkPbkdf2(digest ?? '', Number(iterations), Buffer.from(salt ?? ''), b64(hash ?? ''), pw);
      }
      const [, digest, iterations, salt, hash] = PASSLIB_PBKDF2.exec(h) ?? [];
      return checkPbkdf2(digest ?? 'sha1', Number(iterations), b64(salt ?? ''), b64(hash ?? ''), pw);
    },
  },
];

/** The format of a stored hash, or undefined when no verifier knows it. */
export function hashFormat(hash: string): HashFormat | undefined {
  return VERIFIERS.find((v) => v.matches(hash))?.format;
}

/** Never throws: an unknown or malformed hash is `false`. Tries the password as typed, then NFKC. */
export async function verifyAnyFormat(hash: string, password: string): Promise<boolean> {
  const verifier = VERIFIERS.find((v) => v.matches(hash));
  if (!verifier) return false;
  const candidates = [...new Set([password.normalize('NFKC'), password])];
  for (const candidate of candidates) {
    try {
      if (await verifier.verify(hash, candidate)) return true;
    } catch {
      // malformed: try the next form, then false
    }
  }
  return false;
}
