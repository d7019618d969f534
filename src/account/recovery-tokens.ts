// U4: password recovery links. The token is 256 random bits, kept only as its SHA-256 (V8) in the
// ephemeral store, bound to the user, valid for RECOVERY_LINK_TTL_SECONDS, once. A newer link
// replaces the older one (the user's pointer names the current hash) and a successful sign-in
// forgets it. The same single-use links serve U5's e-mail verification (another key prefix).
import { createHash, randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../store/ports.ts';

const sha256 = (token: string) => createHash('sha256').update(token).digest('base64url');

export function createRecoveryTokens(kv: KeyValueStore, ttlSeconds: number, prefix = 'recover') {
  const tokenKey = (hash: string) => `${prefix}:t:${hash}`;
  const userKey = (userId: string) => `${prefix}:u:${userId}`;
  /** The user of a token that is still current; undefined for any other. */
  async function find(token: string): Promise<{ userId: string; hash: string } | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const hash = sha256(token);
    const userId = await kv.get(tokenKey(hash));
    if (!userId) return undefined;
    return (await kv.get(userKey(userId))) === hash ? { userId, hash } : undefined;
  }

  return {
    /** A new link for the user (the older one stops working). */
    async issue(userId: string): Promise<string> {
      const token = randomBytes(32).toString('base64url');
      const hash = sha256(token);
      await kv.set(tokenKey(hash), userId, ttlSeconds);
      await kv.set(userKey(userId), hash, ttlSeconds);
      return token;
    },
    /** The same store work as `issue`, for an unknown address (no enumeration by timing). */
    async decoy(): Promise<void> {
      const hash = sha256(randomBytes(32).toString('base64url'));
      await kv.set(tokenKey(hash), '', 1);
      await kv.set(userKey(`decoy-${hash}`), hash, 1);
    },
    find,
    /** Uses the token up: true only for the one caller that took it while current. */
    async consume(token: string): Promise<string | undefined> {
      const found = await find(token);
      if (!found) return undefined;
      const taken = await kv.take(tokenKey(found.hash));
      if (taken !== found.userId) return undefined;
      await kv.del(userKey(found.userId));
      return found.userId;
    },
    /** A successful sign-in (or reset) voids any outstanding link of the user. */
    forget: (userId: string) => kv.del(userKey(userId)),
  };
}

export type RecoveryTokens = ReturnType<typeof createRecoveryTokens>;
