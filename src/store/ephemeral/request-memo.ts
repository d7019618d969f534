// Per-request memo of the ephemeral store's reads (issue 18), as ../read-memo.ts is for the system
// of record: within one HTTP request the provider and Deadbolt read the same interaction several
// times (the page, its policy checks, its form post), and the MFA gate reads back a session mark it
// has just written or deleted. Inside a request a read of a key this request already read or wrote
// is answered from the memo; outside a request (CLI, jobs) every call goes to the store.
//
// Fresh enough by construction, as the system-of-record memo: it lives for one request only; a
// write through it records what was written (or that the key is gone); any other operation on a
// key drops its entry, before and after; a read that overlapped a write of the same key is not
// kept; a failed call keeps nothing and its error propagates (fail closed). Answers are copies
// (kept as JSON), so a caller changing what it got cannot change what the next one gets. An entry
// lives at most ENTRY_MS (the shortest lifetime a key can have is a second), so a long request
// never sees a key the store has already expired.
// Consumable models (codes, refresh tokens) are never kept after a write: an upsert keeps an
// earlier `consumed` mark in the store, which the written payload does not show.
import type { AdapterPayload } from 'oidc-provider';
import type { AdapterConstructor, EphemeralStore, KeyValueStore } from '../ports.ts';
import { ephemeralMemo } from '../read-memo.ts';
import { CONSUMABLE_MODELS } from './oidc-redis-adapter.ts';

const ABSENT = Symbol('absent');
type Entry = string | typeof ABSENT;
const ENTRY_MS = 1000;

/** One request's entries, with a write counter per key to tell reads that overlapped a write. */
class Memo {
  private readonly map: Map<string, unknown>;
  constructor(map: Map<string, unknown>) {
    this.map = map;
  }
  private version(key: string): number {
    return (this.map.get(`v\u0000${key}`) as number | undefined) ?? 0;
  }
  get(key: string): Entry | undefined {
    const kept = this.map.get(key) as { entry: Entry; until: number } | undefined;
    if (kept && performance.now() < kept.until) return kept.entry;
    return undefined;
  }
  /** Drops the entry and marks the key written (a read in flight will not be kept). */
  drop(key: string): void {
    this.map.delete(key);
    this.map.set(`v\u0000${key}`, this.version(key) + 1);
  }
  set(key: string, entry: Entry): void {
    this.map.set(key, { entry, until: performance.now() + ENTRY_MS });
  }
  async read(key: string, load: () => Promise<Entry>): Promise<Entry> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const before = this.version(key);
    const entry = await load();
    if (this.version(key) === before) this.set(key, entry);
    return entry;
  }
  /** Runs a write of `key`; once it succeeded, `after` is what a read returns (undefined: unknown). */
  async write<T>(key: string, call: () => Promise<T>, after?: (result: T) => Entry | undefined): Promise<T> {
    this.drop(key);
    try {
      const result = await call();
      const entry = after?.(result);
      this.drop(key);
      if (entry !== undefined) this.set(key, entry);
      return result;
    } catch (err) {
      this.drop(key);
      throw err;
    }
  }
}

const current = (): Memo | undefined => {
  const map = ephemeralMemo();
  return map && new Memo(map);
};

function memoizedKv(kv: KeyValueStore): KeyValueStore {
  const entryKey = (key: string) => `kv\u0000${key}`;
  const written =
    <A extends unknown[], T>(call: (key: string, ...rest: A) => Promise<T>, after?: (r: T, a: A) => Entry) =>
    (key: string, ...rest: A): Promise<T> => {
      const memo = current();
      if (!memo) return call(key, ...rest);
      return memo.write(entryKey(key), () => call(key, ...rest), after && ((r) => after(r, rest)));
    };
  return {
    ...kv,
    async get(key) {
      const memo = current();
      if (!memo) return kv.get(key);
      const entry = await memo.read(entryKey(key), async () => (await kv.get(key)) ?? ABSENT);
      return entry === ABSENT ? undefined : entry;
    },
    set: written(kv.set, (_r, [value]) => value as string),
    del: written(kv.del, () => ABSENT),
    take: written(kv.take, () => ABSENT),
    setIfAbsent: written(kv.setIfAbsent),
    incr: written(kv.incr),
  };
}

/** A provider-model adapter whose reads are memoized per request (see the top of this file). */
class MemoizedAdapter {
  private readonly inner: InstanceType<AdapterConstructor>;
  private readonly model: string;
  constructor(Adapter: AdapterConstructor, model: string) {
    this.inner = new Adapter(model);
    this.model = model;
  }
  private key(id: string): string {
    return `oidc\u0000${this.model}\u0000${id}`;
  }
  async find(id: string): Promise<AdapterPayload | undefined> {
    const memo = current();
    if (!memo) return (await this.inner.find(id)) ?? undefined;
    const entry = await memo.read(this.key(id), async () => {
      const found = (await this.inner.find(id)) ?? undefined;
      return found === undefined ? ABSENT : JSON.stringify(found);
    });
    return entry === ABSENT ? undefined : (JSON.parse(entry) as AdapterPayload);
  }
  upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const keep = !CONSUMABLE_MODELS.has(this.model) && expiresIn > 0;
    return this.through(
      id,
      () => this.inner.upsert(id, payload, expiresIn),
      keep ? JSON.stringify(payload) : undefined,
    );
  }
  destroy(id: string): Promise<void> {
    return this.through(id, () => this.inner.destroy(id), ABSENT);
  }
  consume(id: string): Promise<void> {
    return this.through(id, () => this.inner.consume(id));
  }
  async revokeByGrantId(grantId: string): Promise<void> {
    ephemeralMemo()?.clear(); // every model of the grant: simplest to forget all
    try {
      return await this.inner.revokeByGrantId(grantId);
    } finally {
      ephemeralMemo()?.clear();
    }
  }
  /** By uid (a session, every interaction step): kept until this request writes the model. */
  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const memo = current();
    if (!memo) return (await this.inner.findByUid(uid)) ?? undefined;
    const entry = await memo.read(this.uidKey(uid), async () => {
      const found = (await this.inner.findByUid(uid)) ?? undefined;
      return found === undefined ? ABSENT : JSON.stringify(found);
    });
    return entry === ABSENT ? undefined : (JSON.parse(entry) as AdapterPayload);
  }
  private uidKey(uid: string): string {
    const generation = (ephemeralMemo()?.get(`uids\u0000${this.model}`) as number | undefined) ?? 0;
    return `oidc\u0000${this.model}\u0000uid${generation}\u0000${uid}`;
  }
  /** Any write of the model may change what a uid points to: forget every uid read of it. */
  private forgetUids(): void {
    const map = ephemeralMemo();
    const key = `uids\u0000${this.model}`;
    map?.set(key, ((map.get(key) as number | undefined) ?? 0) + 1);
  }
  findByUserCode(userCode: string) {
    return this.inner.findByUserCode(userCode);
  }
  private through<T>(id: string, call: () => Promise<T>, after?: Entry): Promise<T> {
    const memo = current();
    if (!memo) return call();
    this.forgetUids();
    return memo.write(this.key(id), call, () => after).finally(() => this.forgetUids());
  }
}

function memoizedAdapter(Adapter: AdapterConstructor): AdapterConstructor {
  return class extends MemoizedAdapter {
    constructor(model: string) {
      super(Adapter, model);
    }
  } as unknown as AdapterConstructor;
}

/** `eph` with its kv reads and provider-model finds memoized per request. */
export function memoizedEphemeral(eph: EphemeralStore): EphemeralStore {
  const kv = memoizedKv(eph.kv);
  const OidcAdapter = memoizedAdapter(eph.OidcAdapter);
  return new Proxy(eph, {
    get(target, prop) {
      if (prop === 'kv') return kv;
      if (prop === 'OidcAdapter') return OidcAdapter;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
