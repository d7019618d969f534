// The ephemeral store: Redis when configured, else in memory (single process only).

import type { EphemeralStore } from '../ports.ts';
import { createMemoryStore, type MemoryStoreOptions } from './memory.ts';
import { grantsOfAccountKey, sessionsOfAccountKey } from './oidc-redis-adapter.ts';
import { createRedisStore, type RedisStoreOptions } from './redis.ts';
import type { RedisTarget } from './redis-connect.ts';

export { createMemoryStore } from './memory.ts';
export { grantsOfAccountKey, sessionsOfAccountKey } from './oidc-redis-adapter.ts';
export { createRedisStore } from './redis.ts';

export function openEphemeralStore(options: {
  redisUrl?: string | undefined;
  /** A cluster or Sentinel group (Z1); takes precedence over redisUrl. */
  redis?: RedisTarget | undefined;
  keyPrefix?: string | undefined;
  /** Redis connect and command bound in ms (Z3). */
  commandTimeoutMs?: number | undefined;
  onError?: RedisStoreOptions['onError'];
  /** The in-memory store's bound (issue 18), when no Redis is configured. */
  memory?: MemoryStoreOptions;
}): EphemeralStore {
  const target = options.redis ?? options.redisUrl;
  if (!target) return createMemoryStore(options.memory);
  return createRedisStore(target, {
    keyPrefix: options.keyPrefix,
    commandTimeoutMs: options.commandTimeoutMs,
    onError: options.onError,
  });
}

/**
 * Ids of the account's live sessions (e.g. to end them all: destroy each through
 * `new store.OidcAdapter('Session')`). The index may still list sessions that expired or now belong
 * to another account; those are left out here and pruned from the index.
 */
export async function listSessionIdsOfAccount(store: EphemeralStore, accountId: string): Promise<string[]> {
  const indexKey = sessionsOfAccountKey(accountId);
  const sessions = new store.OidcAdapter('Session');
  const ids = await store.kv.setMembers(indexKey);
  const live = await Promise.all(
    ids.map(async (id) => {
      const session = await sessions.find(id);
      if (session?.accountId === accountId) return id;
      await store.kv.removeFromSet(indexKey, id);
      return undefined;
    }),
  );
  return live.filter((id) => id !== undefined);
}

/**
 * Ids of the account's grants, offline ones included (V3: they outlive the session that made them).
 * Expired grants leave the index by themselves (its TTL follows the longest member).
 */
export async function listGrantIdsOfAccount(store: EphemeralStore, accountId: string): Promise<string[]> {
  return store.kv.setMembers(grantsOfAccountKey(accountId));
}
