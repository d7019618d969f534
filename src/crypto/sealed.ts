// Sealing of stored factor secrets (T4): AES-256-GCM with a key id, so keys can be rotated.
//
// Sealed form: `v1.<kid>.<iv>.<ciphertext>.<tag>`, each binary part base64url without padding,
// a fresh random 12-byte IV per seal and a 16-byte tag. The caller's AAD binds the secret to its
// owner (e.g. `totp:<userId>`): a sealed value copied to another user's row does not open. The
// header `v1.<kid>` is authenticated as well.
//
// Key configuration (FACTOR_ENCRYPTION_KEYS): `kid:base64url(32 bytes),kid2:...`; the FIRST key is
// the current one (used for sealing), the others only open older values. To rotate: put a new key
// first, keep the old ones until `needsRotation` is false for every stored value (see `reseal`).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface SealingKeys {
  /** Key id used for new seals. */
  current: string;
  /** Key id → 32-byte AES-256 key. */
  keys: Map<string, Buffer>;
}

export type SealedDataErrorCode = 'malformed' | 'unknown_kid' | 'auth_failed';

/** A sealed value that cannot be opened: malformed, sealed with an unknown key, tampered or wrong AAD. */
export class SealedDataError extends Error {
  readonly code: SealedDataErrorCode;

  constructor(code: SealedDataErrorCode, message: string) {
    super(message);
    this.name = 'SealedDataError';
    this.code = code;
  }
}

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KID = /^[A-Za-z0-9_-]{1,32}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

/** Parses `kid:base64url,kid:base64url,...` (first = current). Messages never contain key material. */
export function parseSealingKeys(spec: string): SealingKeys {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new Error('no keys given (expected "kid:base64url-32-bytes[,kid:...]", the first one is current)');
  }
  const keys = new Map<string, Buffer>();
  const seen = new Set<string>();
  let current: string | undefined;
  const entries = spec.split(',');
  for (const [index, raw] of entries.entries()) {
    const entry = raw.trim();
    const position = `entry ${index + 1}`;
    if (entry === '') throw new Error(`${position} is empty`);
    const colon = entry.indexOf(':');
    if (colon === -1) throw new Error(`${position} has no "kid:" prefix (expected "kid:base64url-32-bytes")`);
    const kid = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1).replace(/=+$/, '');
    if (!KID.test(kid)) {
      throw new Error(`${position}: key id must be 1-32 characters of A-Z a-z 0-9 _ -`);
    }
    if (keys.has(kid)) throw new Error(`${position}: duplicate key id "${kid}"`);
    const key = decodeBase64url(encoded);
    if (!key || key.length !== KEY_BYTES) {
      throw new Error(`key "${kid}" must be exactly ${KEY_BYTES} bytes encoded as base64url`);
    }
    const fingerprint = key.toString('hex');
    if (seen.has(fingerprint)) throw new Error(`key "${kid}" repeats the key material of another key id`);
    seen.add(fingerprint);
    keys.set(kid, key);
    current ??= kid;
  }
  return { current: current!, keys };
}

/** Seals `plaintext` with the current key, bound to `aad`. */
export function seal(keys: SealingKeys, plaintext: string, aad: string): string {
  const kid = keys.current;
  const key = keyFor(keys, kid);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(kid, aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, kid, b64(iv), b64(ciphertext), b64(tag)].join('.');
}

/** Opens a sealed value; throws `SealedDataError` for anything that does not authenticate. */
export function open(keys: SealingKeys, sealed: string, aad: string): string {
  const parts = parse(sealed);
  const key = keys.keys.get(parts.kid);
  if (!key) throw new SealedDataError('unknown_kid', `sealed with unknown key id "${parts.kid}"`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(parts.kid, aad));
    decipher.setAuthTag(parts.tag);
    const plaintext = Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]);
    return plaintext.toString('utf8');
  } catch {
    throw new SealedDataError('auth_failed', 'sealed data does not authenticate (tampered or wrong owner)');
  }
}

/** True when `sealed` was not made with the current key (it should be resealed). */
export function needsRotation(keys: SealingKeys, sealed: string): boolean {
  return parse(sealed).kid !== keys.current;
}

/**
 * Opens `sealed` (so a value that does not authenticate is never re-encrypted) and seals it again
 * with the current key. A value already under the current key is returned unchanged.
 */
export function reseal(keys: SealingKeys, sealed: string, aad: string): string {
  const plaintext = open(keys, sealed, aad);
  return needsRotation(keys, sealed) ? seal(keys, plaintext, aad) : sealed;
}

interface SealedParts {
  kid: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

function parse(sealed: string): SealedParts {
  if (typeof sealed !== 'string') throw new SealedDataError('malformed', 'sealed data is not a string');
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) {
    throw new SealedDataError('malformed', `sealed data is not in the "${VERSION}.kid.iv.ct.tag" format`);
  }
  const [, kid, ivText, ctText, tagText] = parts;
  if (!KID.test(kid)) throw new SealedDataError('malformed', 'sealed data has an invalid key id');
  const iv = decodeBase64url(ivText);
  const ciphertext = decodeBase64url(ctText);
  const tag = decodeBase64url(tagText);
  if (!iv || iv.length !== IV_BYTES || !ciphertext || !tag || tag.length !== TAG_BYTES) {
    throw new SealedDataError('malformed', 'sealed data has an invalid iv, ciphertext or tag');
  }
  return { kid, iv, ciphertext, tag };
}

function keyFor(keys: SealingKeys, kid: string): Buffer {
  const key = keys.keys.get(kid);
  if (!key || key.length !== KEY_BYTES)
    throw new Error(`sealing key "${kid}" is missing or not ${KEY_BYTES} bytes`);
  return key;
}

// The header is authenticated with the caller's AAD; kid cannot contain "|" so the split is unambiguous.
function additionalData(kid: string, aad: string): Buffer {
  return Buffer.from(`${VERSION}.${kid}|${aad}`, 'utf8');
}

function b64(data: Buffer): string {
  return data.toString('base64url');
}

// Strict base64url: Buffer.from() silently skips invalid characters and accepts non-canonical
// trailing bits, so the text is checked and must re-encode to itself.
function decodeBase64url(text: string): Buffer | undefined {
  if (!B64URL.test(text) || text.length % 4 === 1) return undefined;
  const data = Buffer.from(text, 'base64url');
  return data.toString('base64url') === text ? data : undefined;
}
