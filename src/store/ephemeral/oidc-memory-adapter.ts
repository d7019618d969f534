// node-oidc-provider adapter in memory: the Redis adapter's behaviour and key layout over one
// process-local keyspace (shared with the memory KeyValueStore, so the sessions-of-account index
// is readable through `kv.setMembers` exactly as on Redis). For development and tests only.

import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { AdapterConstructor } from '../ports.ts';
import {
  CONSUMABLE_MODELS,
  fromStored,
  GRANTABLE_MODELS,
  grantsOfAccountKey,
  oidcKeys,
  sessionsOfAccountKey,
  toStored,
} from './oidc-redis-adapter.ts';

/** A stored provider model: JSON (so callers never share objects with the store) plus `consumed`. */
export interface StoredModel {
  readonly kind: 'model';
  payload: string;
  consumed?: number;
}

/** What the memory keyspace holds, like Redis: strings, sets, and (hash-like) stored models. */
export type MemoryValue = string | Set<string> | StoredModel;

interface Entry<V> {
  value: V;
  /** Epoch milliseconds; Infinity for no expiry. */
  expiresAt: number;
}

export interface ExpiringMapOptions<V> {
  /** Most keys held (issue 18: bounded memory); a new key beyond it evicts the oldest written. */
  maxKeys?: number;
  /** Told of each eviction (the store logs them, rate-limited). */
  onEvict?: (key: string) => void;
  /** Entries that may be evicted (default: all). */
  evictable?: (value: V) => boolean;
}

/**
 * A Map whose entries expire: checked lazily on read, and swept by an unref'd timer. With maxKeys,
 * a new key on a full map first purges expired entries (at most once a second), then evicts the
 * entries written longest ago (Map order), as Redis does under `maxmemory` with an LRU policy.
 */
export class ExpiringMap<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #timer: NodeJS.Timeout;
  readonly #maxKeys: number;
  readonly #onEvict: ((key: string) => void) | undefined;
  readonly #evictable: (value: V) => boolean;
  #lastFullSweep = 0;

  constructor(sweepIntervalMs = 30_000, options: ExpiringMapOptions<V> = {}) {
    this.#timer = setInterval(() => this.sweep(), sweepIntervalMs);
    this.#timer.unref();
    this.#maxKeys = options.maxKeys ?? Number.POSITIVE_INFINITY;
    this.#onEvict = options.onEvict;
    this.#evictable = options.evictable ?? (() => true);
  }

  get size(): number {
    return this.#entries.size;
  }

  #makeRoom(): void {
    if (this.#entries.size < this.#maxKeys) return;
    const now = Date.now();
    if (now - this.#lastFullSweep >= 1000) {
      this.#lastFullSweep = now;
      this.sweep();
    }
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size < this.#maxKeys) break;
      if (!this.#evictable(entry.value)) continue;
      this.#entries.delete(key);
      this.#onEvict?.(key);
    }
  }

  #live(key: string): Entry<V> | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  get(key: string): V | undefined {
    return this.#live(key)?.value;
  }

  /** Expiry in epoch ms (Infinity: none), or undefined when the key is absent. */
  expiresAt(key: string): number | undefined {
    return this.#live(key)?.expiresAt;
  }

  /** ttlSeconds undefined: no expiry. */
  set(key: string, value: V, ttlSeconds?: number): void {
    // Rewritten keys move to the end: eviction takes the ones written longest ago.
    if (!this.#entries.delete(key)) this.#makeRoom();
    this.#entries.set(key, { value, expiresAt: expiryOf(ttlSeconds) });
  }

  /** Replaces the value of a present key, keeping its expiry; false when absent. */
  replace(key: string, value: V): boolean {
    const entry = this.#live(key);
    if (entry) entry.value = value;
    return entry !== undefined;
  }

  /** Changes the expiry of a present key only. */
  setExpiresAt(key: string, expiresAt: number): void {
    const entry = this.#live(key);
    if (entry) entry.expiresAt = expiresAt;
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

export function expiryOf(ttlSeconds: number | undefined): number {
  return ttlSeconds === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlSeconds * 1000;
}

export class WrongTypeError extends Error {
  constructor(key: string) {
    super(`WRONGTYPE ${key} holds the wrong kind of value`);
    this.name = 'WrongTypeError';
  }
}

/** The set at key (created when absent and `create`); WrongTypeError when key holds something else. */
export function setAt(space: ExpiringMap<MemoryValue>, key: string, create: true): Set<string>;
export function setAt(space: ExpiringMap<MemoryValue>, key: string, create?: false): Set<string> | undefined;
export function setAt(space: ExpiringMap<MemoryValue>, key: string, create = false): Set<string> | undefined {
  const value = space.get(key);
  if (value instanceof Set) return value;
  if (value !== undefined) throw new WrongTypeError(key);
  if (!create) return undefined;
  const created = new Set<string>();
  space.set(key, created);
  return created;
}

/**
 * Adds member to a set whose expiry follows its longest-lived member, exactly as the Redis adapter's
 * EXPIRE NX + EXPIRE GT (no TTL: PERSIST).
 */
export function addToIndex(
  space: ExpiringMap<MemoryValue>,
  key: string,
  member: string,
  ttlSeconds: number | undefined,
): void {
  setAt(space, key, true).add(member);
  const expiresAt = expiryOf(ttlSeconds);
  const current = space.expiresAt(key) ?? Number.POSITIVE_INFINITY;
  const next =
    ttlSeconds === undefined || current === Number.POSITIVE_INFINITY
      ? expiresAt
      : Math.max(current, expiresAt);
  space.setExpiresAt(key, next);
}

/** Removes member; like Redis, an emptied set no longer exists. */
export function removeFromIndex(space: ExpiringMap<MemoryValue>, key: string, member: string): void {
  const set = setAt(space, key);
  if (set?.delete(member) && set.size === 0) space.delete(key);
}

function ttlOf(expiresIn: number | undefined): number | undefined {
  return typeof expiresIn === 'number' ? Math.max(1, Math.ceil(expiresIn)) : undefined;
}

function isStoredModel(value: MemoryValue | undefined): value is StoredModel {
  return typeof value === 'object' && !(value instanceof Set) && value.kind === 'model';
}

function modelAt(space: ExpiringMap<MemoryValue>, key: string): StoredModel | undefined {
  const value = space.get(key);
  if (value === undefined || isStoredModel(value)) return value;
  throw new WrongTypeError(key);
}

function pointerAt(space: ExpiringMap<MemoryValue>, key: string): string | undefined {
  const value = space.get(key);
  return typeof value === 'string' ? value : undefined;
}

/** The provider's models in the process's memory; createMemoryOidcAdapter binds it to one store. */
class MemoryOidcAdapter implements Adapter {
  readonly model: string;
  readonly consumable: boolean;

  private readonly space: ExpiringMap<MemoryValue>;

  constructor(space: ExpiringMap<MemoryValue>, model: string) {
    this.space = space;
    this.model = model;
    this.consumable = CONSUMABLE_MODELS.has(model);
  }

  key(id: string): string {
    return oidcKeys.model(this.model, id);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.key(id);
    const ttl = ttlOf(expiresIn);
    // Like HSET on Redis, an earlier `consumed` survives: once used, a code stays used.
    const consumed = this.consumable ? modelAt(this.space, key)?.consumed : undefined;
    this.space.set(
      key,
      { kind: 'model', payload: JSON.stringify(toStored(this.model, payload)), consumed },
      ttl,
    );
    if (GRANTABLE_MODELS.has(this.model) && payload.grantId) {
      addToIndex(this.space, oidcKeys.grant(payload.grantId), key, ttl);
    }
    if (this.model === 'Session' && payload.uid) this.space.set(oidcKeys.uid(payload.uid), id, ttl);
    if (payload.userCode) this.space.set(oidcKeys.userCode(payload.userCode), id, ttl);
    if (this.model === 'Session' && payload.accountId) {
      addToIndex(this.space, sessionsOfAccountKey(payload.accountId), id, ttl);
    }
    if (this.model === 'Grant' && payload.accountId) {
      addToIndex(this.space, grantsOfAccountKey(payload.accountId), id, ttl);
    }
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const stored = modelAt(this.space, this.key(id));
    if (!stored) return undefined;
    const payload = fromStored(this.model, id, JSON.parse(stored.payload) as AdapterPayload);
    if (stored.consumed !== undefined) payload.consumed = stored.consumed;
    return payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = pointerAt(this.space, oidcKeys.uid(uid));
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = pointerAt(this.space, oidcKeys.userCode(userCode));
    return id ? this.find(id) : undefined;
  }

  async consume(id: string): Promise<void> {
    if (!this.consumable) throw new TypeError(`${this.model} is not a consumable model`);
    const stored = modelAt(this.space, this.key(id));
    if (stored) stored.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    const key = this.key(id);
    if (this.model === 'Session') {
      const stored = modelAt(this.space, key);
      const accountId = stored && (JSON.parse(stored.payload) as AdapterPayload).accountId;
      if (accountId) removeFromIndex(this.space, sessionsOfAccountKey(accountId), id);
    }
    this.space.delete(key);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const grantKey = oidcKeys.grant(grantId);
    for (const member of setAt(this.space, grantKey) ?? []) this.space.delete(member);
    this.space.delete(grantKey);
  }
}

export function createMemoryOidcAdapter(space: ExpiringMap<MemoryValue>): AdapterConstructor {
  return class extends MemoryOidcAdapter {
    constructor(model: string) {
      super(space, model);
    }
  };
}
