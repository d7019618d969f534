// Redis EphemeralStore over one ioredis connection (a server, a Cluster or a Sentinel primary; Z1),
// failing closed (X2): no offline queue and short timeouts, so while Redis is unreachable every call
// rejects within the command timeout (Z3) with StoreUnavailableError instead of waiting; the client
// reconnects forever and calls succeed again as soon as Redis is back. Redis >= 7.0 is required
// (EXPIRE NX/GT, GETDEL). Every KeyValueStore and rate-limiter operation touches a single key, so
// each is one hash slot on a cluster; the provider adapter's multi-key writes: oidc-redis-adapter.ts.

import { Cluster, ReplyError } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import {
  type EphemeralStore,
  type KeyValueStore,
  type RateLimitOptions,
  StoreUnavailableError,
} from '../ports.ts';
import { redisChangeFeed } from './change-feed.ts';
import { adaptRateLimiter, cachedLimiters } from './memory.ts';
import { createRedisOidcAdapter, execMulti, type RedisRunner } from './oidc-redis-adapter.ts';
import { connectRedis, type RedisTarget } from './redis-connect.ts';

// Replies meaning "the server is there but cannot serve now"; any other reply error is a bug.
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/;

export interface RedisStoreOptions {
  /** Prepended to every key (default "deadbolt:"). */
  keyPrefix?: string;
  /** Bound on connecting and on every command, in ms (default 1000; Z3, REDIS_COMMAND_timeoutMs). */
  commandTimeoutMs?: number | undefined;
  /** Connection errors (emitted on every failed reconnect attempt); ignored when omitted. */
  onError?: (error: Error) => void;
}

// Z1: a slot changing hands (cluster failover) while a MULTI was queued; a retry reaches the new owner.
const MOVED_REPLY = /^(MOVED|ASK)\b/;

/** A reply meaning "not now": an unavailable reply, or a MULTI aborted because a queued command got one. */
function isUnavailableReply(error: Error): boolean {
  if (UNAVAILABLE_REPLY.test(error.message)) return true;
  if (!/^EXECABORT\b/.test(error.message)) return false;
  const previous = (error as { previousErrors?: unknown[] }).previousErrors ?? [];
  return previous.some(
    (e) => !(e instanceof Error) || UNAVAILABLE_REPLY.test(e.message) || MOVED_REPLY.test(e.message),
  );
}

function toStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error;
  if (error instanceof ReplyError && !isUnavailableReply(error as Error)) return error;
  return new StoreUnavailableError('redis', error);
}

/** `target`: a redis:// URL, or a cluster / Sentinel group (see redis-connect.ts). */
export function createRedisStore(target: string | RedisTarget, opts: RedisStoreOptions = {}): EphemeralStore {
  const prefix = opts.keyPrefix ?? 'deadbolt:';
  const timeoutMs = opts.commandTimeoutMs ?? 1000;
  const client = connectRedis(
    typeof target === 'string' ? { kind: 'single', url: target } : target,
    timeoutMs,
  );
  client.on('error', (error: Error) => opts.onError?.(error));

  const firstOutcome = firstOutcomeOf(client, timeoutMs);
  const run: RedisRunner = async (operation) => {
    await firstOutcome;
    try {
      return await operation(client);
    } catch (error) {
      throw toStoreError(error);
    }
  };
  const kv = redisKeyValue(run, prefix);

  const changes = redisChangeFeed(client, `${prefix}changes:`, run);
  return {
    kind: 'redis',
    changes,
    OidcAdapter: createRedisOidcAdapter(run, prefix, client instanceof Cluster),
    kv,
    // One RateLimiterRedis per distinct options (each construction re-registers its Lua command).
    rateLimiter: cachedLimiters((options: RateLimitOptions) =>
      adaptRateLimiter(
        new RateLimiterRedis({
          storeClient: client,
          keyPrefix: `${prefix}rl:${options.keyPrefix}`,
          points: options.points,
          duration: options.durationSeconds,
          blockDuration: options.blockDurationSeconds,
        }),
        options.points,
        run,
      ),
    ),
    ping: async () => {
      await run((c) => c.ping());
    },
    close: async () => {
      await changes.close();
      if (client.status === 'end' || (typeof target === 'object' && target.kind === 'client')) return;
      try {
        if (client.status !== 'ready') throw new Error('not connected');
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

/**
 * Without an offline queue, a command sent before the first connection is up would fail at once;
 * so calls wait for the first outcome (ready, an error, or the connect timeout) and never again.
 */
function firstOutcomeOf(client: ReturnType<typeof connectRedis>, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (client.status === 'ready') return resolve(); // a host's client, already connected
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done).off('error', done).off('end', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    timer.unref();
    client.once('ready', done).once('error', done).once('end', done);
  });
}

/** The key-value primitives over Redis, every key under `prefix`. */
function redisKeyValue(run: RedisRunner, prefix: string): KeyValueStore {
  const k = (key: string): string => prefix + key;

  return {
    get: async (key) => (await run((c) => c.get(k(key)))) ?? undefined,
    set: async (key, value, ttlSeconds) => {
      await run((c) => c.set(k(key), value, 'EX', ttlSeconds));
    },
    setIfAbsent: async (key, value, ttlSeconds) =>
      (await run((c) => c.set(k(key), value, 'EX', ttlSeconds, 'NX'))) === 'OK',
    take: async (key) => (await run((c) => c.getdel(k(key)))) ?? undefined,
    del: async (key) => {
      await run((c) => c.del(k(key)));
    },
    incr: async (key, ttlSeconds) => {
      const [count] = await run((c) => execMulti(c.multi().incr(k(key)).expire(k(key), ttlSeconds, 'NX')));
      return Number(count);
    },
    // Seconds left; undefined when absent, Infinity for a key without expiry.
    ttl: async (key) => {
      const seconds = await run((c) => c.ttl(k(key)));
      if (seconds === -2) return undefined;
      return seconds === -1 ? Number.POSITIVE_INFINITY : seconds;
    },
    // The set's TTL follows its longest-lived member (EXPIRE NX, then GT).
    addToSet: async (key, member, ttlSeconds) => {
      await run((c) =>
        execMulti(
          c.multi().sadd(k(key), member).expire(k(key), ttlSeconds, 'NX').expire(k(key), ttlSeconds, 'GT'),
        ),
      );
    },
    setMembers: (key) => run((c) => c.smembers(k(key))),
    removeFromSet: async (key, member) => {
      await run((c) => c.srem(k(key), member));
    },
  };
}
