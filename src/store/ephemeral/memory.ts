// In-memory EphemeralStore: the embedded default when no Redis is configured. State lives in this
// process only (lost on restart, not shared between instances); timers are unref'd.

import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type {
  EphemeralStore,
  KeyValueStore,
  RateLimiter,
  RateLimitOptions,
  RateLimitResult,
} from '../ports.ts';
import { memoryChangeFeed } from './change-feed.ts';
import {
  addToIndex,
  createMemoryOidcAdapter,
  ExpiringMap,
  type MemoryValue,
  removeFromIndex,
  setAt,
  WrongTypeError,
} from './oidc-memory-adapter.ts';

/** Runs a limiter call; the Redis store passes one that maps connection failures (X2). */
export type LimiterGuard = <T>(operation: () => Promise<T>) => Promise<T>;

const retryAfter = (res: RateLimiterRes): number => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/**
 * Wraps a rate-limiter-flexible limiter in the RateLimiter port. A RateLimiterRes rejection is a
 * refusal; any other rejection (a store failure) is left to `guard`.
 */
export function adaptRateLimiter(
  limiter: RateLimiterAbstract,
  points: number,
  guard: LimiterGuard = (operation) => operation(),
): RateLimiter {
  return {
    consume: (key, cost = 1) =>
      guard(async (): Promise<RateLimitResult> => {
        try {
          const res = await limiter.consume(key, cost);
          return { allowed: true, remaining: res.remainingPoints, retryAfterSeconds: 0 };
        } catch (err) {
          if (err instanceof RateLimiterRes) {
            return { allowed: false, remaining: 0, retryAfterSeconds: retryAfter(err) };
          }
          throw err;
        }
      }),
    // `allowed` here: whether the next point would be granted.
    peek: (key) =>
      guard(async (): Promise<RateLimitResult> => {
        const res = await limiter.get(key);
        if (!res) return { allowed: true, remaining: points, retryAfterSeconds: 0 };
        const allowed = res.consumedPoints < points;
        return {
          allowed,
          remaining: Math.max(0, points - res.consumedPoints),
          retryAfterSeconds: allowed ? 0 : retryAfter(res),
        };
      }),
    refund: (key, points = 1) =>
      guard(async () => {
        await limiter.reward(key, points);
      }),
    reset: (key) =>
      guard(async () => {
        await limiter.delete(key);
      }),
  };
}

function createMemoryKv(space: ExpiringMap<MemoryValue>): KeyValueStore {
  const stringAt = (key: string): string | undefined => {
    const value = space.get(key);
    if (value === undefined || typeof value === 'string') return value;
    throw new WrongTypeError(key);
  };

  return {
    get: async (key) => stringAt(key),
    set: async (key, value, ttlSeconds) => {
      space.set(key, value, ttlSeconds);
    },
    setIfAbsent: async (key, value, ttlSeconds) => {
      if (space.get(key) !== undefined) return false;
      space.set(key, value, ttlSeconds);
      return true;
    },
    take: async (key) => {
      const value = stringAt(key);
      if (value !== undefined) space.delete(key);
      return value;
    },
    del: async (key) => {
      space.delete(key);
    },
    incr: async (key, ttlSeconds) => {
      const current = stringAt(key);
      const next = current === undefined ? 1 : Number(current) + 1;
      if (!Number.isSafeInteger(next)) throw new Error(`${key} does not hold an integer`);
      if (current === undefined) space.set(key, String(next), ttlSeconds);
      else space.replace(key, String(next));
      return next;
    },
    // Seconds left; undefined when absent, Infinity for a key without expiry (as TTL -2 / -1).
    ttl: async (key) => {
      const expiresAt = space.expiresAt(key);
      if (expiresAt === undefined || expiresAt === Number.POSITIVE_INFINITY) return expiresAt;
      return Math.ceil((expiresAt - Date.now()) / 1000);
    },
    addToSet: async (key, member, ttlSeconds) => addToIndex(space, key, member, ttlSeconds),
    setMembers: async (key) => [...(setAt(space, key) ?? [])],
    removeFromSet: async (key, member) => removeFromIndex(space, key, member),
  };
}

/** Limiters created again with the same options are the same limiter (as their counters are on Redis). */
export function cachedLimiters(
  create: (options: RateLimitOptions) => RateLimiter,
): (options: RateLimitOptions) => RateLimiter {
  const limiters = new Map<string, RateLimiter>();
  return (options) => {
    const { keyPrefix, points, durationSeconds, blockDurationSeconds } = options;
    const id = JSON.stringify([keyPrefix, points, durationSeconds, blockDurationSeconds]);
    let limiter = limiters.get(id);
    if (!limiter) {
      limiter = create(options);
      limiters.set(id, limiter);
    }
    return limiter;
  };
}

export interface MemoryStoreOptions {
  /** MEMORY_STORE_MAX_KEYS (issue 18): the most keys held; beyond it the oldest written go. */
  maxKeys?: number;
  /** Told how many keys were evicted since the last call (at most once a minute). */
  onEvictions?: (count: number, maxKeys: number) => void;
}

const EVICTION_LOG_INTERVAL_MS = 60_000;

/** Counts evictions and reports them at most once per interval (a clear log line, not a flood). */
function evictionReporter(options: MemoryStoreOptions): ((key: string) => void) | undefined {
  const { onEvictions, maxKeys } = options;
  if (!onEvictions || maxKeys === undefined) return undefined;
  let pending = 0;
  let lastReport = 0;
  return () => {
    pending++;
    const now = Date.now();
    if (now - lastReport < EVICTION_LOG_INTERVAL_MS) return;
    lastReport = now;
    onEvictions(pending, maxKeys);
    pending = 0;
  };
}

export function createMemoryStore(options: MemoryStoreOptions = {}): EphemeralStore {
  const space = new ExpiringMap<MemoryValue>(30_000, {
    maxKeys: options.maxKeys,
    onEvict: evictionReporter(options),
    // Account indexes (sets) stay: they follow their members' expiry, and V3 reads them.
    evictable: (value) => !(value instanceof Set),
  });
  return {
    kind: 'memory',
    OidcAdapter: createMemoryOidcAdapter(space),
    kv: createMemoryKv(space),
    changes: memoryChangeFeed(),
    rateLimiter: cachedLimiters((options) =>
      adaptRateLimiter(
        new RateLimiterMemory({
          keyPrefix: options.keyPrefix,
          points: options.points,
          duration: options.durationSeconds,
          blockDuration: options.blockDurationSeconds,
        }),
        options.points,
      ),
    ),
    ping: async () => {},
    close: async () => space.stop(),
  };
}
