// Ephemeral-state ports: TTL key-value primitives, rate limiters and the oidc-provider adapter,
// over Redis or memory.

import type { Adapter } from 'oidc-provider';
import type { ChangeFeed } from '../ephemeral/change-feed.ts';

/** Small TTL key-value primitives over Redis or memory. Values are strings; ttl in seconds. */
export interface KeyValueStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Sets only when absent; true when set. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Atomically reads and deletes. */
  take(key: string): Promise<string | undefined>;
  del(key: string): Promise<void>;
  /** Increments an integer counter; the TTL is set when the key is created. */
  incr(key: string, ttlSeconds: number): Promise<number>;
  ttl(key: string): Promise<number | undefined>;
  /** Set membership (for indexes such as sessions of an account). */
  addToSet(key: string, member: string, ttlSeconds: number): Promise<void>;
  setMembers(key: string): Promise<string[]>;
  removeFromSet(key: string, member: string): Promise<void>;
}

export interface RateLimitOptions {
  /** Distinguishes limiters sharing a backend, e.g. "login:ip". */
  keyPrefix: string;
  points: number;
  durationSeconds: number;
  /** When set, once exhausted the key stays blocked this long. */
  blockDurationSeconds?: number;
}

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  /** Seconds until the next point is available (0 when allowed). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Spends one point (or `points`) for key. */
  consume(key: string, points?: number): Promise<RateLimitResult>;
  /** Reads without spending. */
  peek(key: string): Promise<RateLimitResult>;
  /** Gives back points spent by `consume` (an attempt that turned out not to count). */
  refund(key: string, points?: number): Promise<void>;
  /** Forgets key (e.g. after a successful sign-in). */
  reset(key: string): Promise<void>;
}

export type AdapterConstructor = new (name: string) => Adapter;

/** Ephemeral state: Redis (ioredis) or in-memory. */
export interface EphemeralStore {
  readonly kind: 'redis' | 'memory';
  /** The oidc-provider `adapter` for every model. */
  readonly OidcAdapter: AdapterConstructor;
  readonly kv: KeyValueStore;
  /** Change notices between the instances (../ephemeral/change-feed.ts); absent: none cached. */
  readonly changes?: ChangeFeed;
  rateLimiter(options: RateLimitOptions): RateLimiter;
  ping(): Promise<void>;
  close(): Promise<void>;
}
