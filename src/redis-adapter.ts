/**
 * `deadbolt/redis-adapter` (E1, O2): Deadbolt's node-oidc-provider adapter over Redis, for a
 * provider configuration's `adapter` — every model (sessions, interactions, codes, tokens,
 * grants) in Redis with the provider's TTLs, one-time codes consumed atomically, and on Redis
 * Cluster every write split to single-key commands (Z1). It fails closed (X2): while Redis cannot
 * be reached, every call rejects with `StoreUnavailableError` within the command timeout.
 *
 * `configure()` already gives a provider this adapter when the host has none; this entry is for a
 * provider configured without it (`configure(c, { adapter: false })`) or for one outside Deadbolt.
 * Deadbolt ends a user's sessions and grants (V3) through the same keys, so give it the Redis
 * and `keyPrefix` of `createDeadbolt`'s `stores`.
 *
 * ```ts
 * import { createRedisAdapter } from 'deadbolt/redis-adapter';
 * const adapter = createRedisAdapter({ url: process.env.REDIS_URL, keyPrefix: 'deadbolt:' });
 * const provider = new Provider(issuer, { ...configuration, adapter });
 * // … after the server stopped:
 * await adapter.close();
 * ```
 * @packageDocumentation
 * @module deadbolt/redis-adapter
 */
import type { Cluster, Redis } from 'ioredis';
import type { Adapter } from 'oidc-provider';
import { createRedisStore } from './store/ephemeral/redis.ts';

export interface RedisAdapterOptions {
  /**
   * Your own ioredis client (Redis or Cluster); you close it. For X2, give it
   * `enableOfflineQueue: false` and short timeouts, as Deadbolt's own are.
   */
  redis?: Redis | Cluster;
  /** Or a `redis://` / `rediss://` URL: the adapter opens its own connection (`close()` ends it). */
  url?: string;
  /** Prefix of every key (default `deadbolt:`, as `createDeadbolt`'s stores). */
  keyPrefix?: string;
  /** Bound on connecting and on every command, in ms (default 1000). */
  commandTimeoutMs?: number;
}

/** The adapter class a provider configuration's `adapter` takes, and the connection's end. */
export interface RedisAdapter {
  new (model: string): Adapter;
  /** Closes the connection opened from `url`; a client you gave stays open. */
  close(): Promise<void>;
}

/** The adapter over your client or a URL; throws TypeError for options it cannot use. */
export function createRedisAdapter(options: RedisAdapterOptions): RedisAdapter {
  const { redis, url, keyPrefix, commandTimeoutMs } = options ?? {};
  if ((redis === undefined) === (url === undefined)) {
    throw new TypeError('createRedisAdapter() needs exactly one of { redis } (an ioredis client) or { url }');
  }
  if (url !== undefined && !(URL.canParse(url) && /^rediss?:$/.test(new URL(url).protocol))) {
    throw new TypeError('createRedisAdapter({ url }) needs a redis:// or rediss:// URL');
  }
  const store = createRedisStore(redis ? { kind: 'client', client: redis } : (url as string), {
    keyPrefix,
    commandTimeoutMs,
  });
  return class DeadboltRedisAdapter extends store.OidcAdapter {
    static close(): Promise<void> {
      return store.close();
    }
  };
}
