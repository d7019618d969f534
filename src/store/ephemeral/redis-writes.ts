// Multi-key writes over Redis for the provider adapter (Z1): one MULTI on a single Redis or Sentinel
// primary, single-slot commands on a cluster (see the key layout in oidc-redis-adapter.ts).

import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './redis-connect.ts';

/** Runs a MULTI, rejecting with the first failed command's error. */
export async function execMulti(multi: ChainableCommander): Promise<unknown[]> {
  const replies = await multi.exec();
  if (!replies) throw new Error('Redis transaction aborted');
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}

/** Adds member to a set whose TTL follows its longest-lived member (no TTL: the set never expires). */
export function addToIndex(
  multi: ChainableCommander,
  key: string,
  member: string,
  ttl: number | undefined,
): void {
  multi.sadd(key, member);
  if (ttl === undefined) {
    multi.persist(key);
  } else {
    multi.expire(key, ttl, 'NX');
    multi.expire(key, ttl, 'GT');
  }
}

/** One key's share of a multi-key write: the commands it adds to a MULTI. */
export type KeyWrite = (multi: ChainableCommander) => void;

export const setPointer =
  (key: string, id: string, ttl: number | undefined): KeyWrite =>
  (multi) => {
    if (ttl === undefined) multi.set(key, id);
    else multi.set(key, id, 'EX', ttl);
  };

/**
 * Runs the writes: one MULTI on a single Redis; on a cluster (keys in different slots) the first
 * write alone, then the others in parallel, each a MULTI of its own key (see the layout above).
 */
export async function writeAll(client: RedisClient, cluster: boolean, writes: KeyWrite[]): Promise<void> {
  const multiOf = (group: KeyWrite[]): Promise<unknown[]> => {
    const multi = client.multi();
    for (const write of group) write(multi);
    return execMulti(multi);
  };
  if (!cluster) {
    await multiOf(writes);
    return;
  }
  const [first, ...rest] = writes;
  if (first) await multiOf([first]);
  await Promise.all(rest.map((write) => multiOf([write])));
}

/**
 * DEL of keys that may lie in different slots: one command on a single Redis; on a cluster key by
 * key, the last one (the index listing the others) only once the others are gone.
 */
export async function delAll(client: RedisClient, cluster: boolean, keys: string[]): Promise<void> {
  if (!cluster) {
    await client.del(...keys);
    return;
  }
  const last = keys.pop();
  await Promise.all(keys.map((key) => client.del(key)));
  if (last) await client.del(last);
}
