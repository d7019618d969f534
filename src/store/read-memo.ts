// Per-request memo of the system-of-record reads one HTTP request repeats (issue 18): the login
// prompt's session_voided check (V3), the mfa gate's policy inputs (P3) and findAccount at the token
// endpoint each read the same user, memberships and factors within one request — and those three
// are read together, in one round trip, the first time any of them is asked for. Inside a request
// (withReadMemo, installed by src/app.ts) the second read of the same key gets the first one's
// answer; outside a request (CLI, jobs) every call goes to the store.
//
// Fresh enough by construction: the memo lives for one request only, and any other call on the
// store (a write, a transaction) clears it, when issued and again when settled, so a request
// never reads back less than it wrote. A failed read is not kept: the next read asks again, and
// a store error still propagates to the caller (fail closed).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SystemOfRecord, UserBundle } from './ports.ts';

const MEMOIZED = new Set<string>(['findClient', 'findOrgsBySsoDomain']);
/**
 * The decision's inputs, read together in one round trip (`loadUserBundle`) the first time a
 * request asks for the user or their factors: the user, their memberships, their factors. A
 * request that asks for memberships alone (e.g. the recovery form, whose answer must take the same
 * time for a known and an unknown address, U4) gets the plain query unless a bundle is at hand.
 */
const BUNDLED = {
  findUserById: (b: UserBundle | undefined) => b?.user,
  listMembershipsOfUser: (b: UserBundle | undefined) => b?.memberships ?? [],
  listFactors: (b: UserBundle | undefined) => b?.factors ?? [],
} as const;
const isBundled = (prop: string): prop is keyof typeof BUNDLED => Object.hasOwn(BUNDLED, prop);
/** Calls that change nothing and so keep the memo. */
const PASSIVE = new Set<string>(['ping', 'kind']);

type Memo = Map<string, Promise<unknown>>;
/** One request's memos: the system of record's reads (here) and the ephemeral store's (./ephemeral/request-memo.ts). */
export interface RequestMemos {
  sor: Memo;
  eph: Map<string, unknown>;
}
const requests = new AsyncLocalStorage<RequestMemos>();

/** Runs `fn` (one request's handling) with its own, empty memos (`memos`: a given request's, for tests). */
export function withReadMemo<T>(fn: () => T, memos: RequestMemos = { sor: new Map(), eph: new Map() }): T {
  return requests.run(memos, fn);
}

/** The ephemeral store's memo of the request being handled; undefined outside a request. */
export function ephemeralMemo(): Map<string, unknown> | undefined {
  return requests.getStore()?.eph;
}

function memoized(memo: Memo, key: string, read: () => Promise<unknown>): Promise<unknown> {
  let pending = memo.get(key);
  if (!pending) {
    pending = read();
    memo.set(key, pending);
    pending.catch(() => {
      if (memo.get(key) === pending) memo.delete(key);
    });
  }
  return pending;
}

function clearing(memo: Memo, result: unknown): unknown {
  memo.clear();
  if (result instanceof Promise) {
    const clear = () => memo.clear();
    result.then(clear, clear);
  }
  return result;
}

export function memoizedReads(sor: SystemOfRecord): SystemOfRecord {
  return new Proxy(sor, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || typeof prop !== 'string' || PASSIVE.has(prop)) return value;
      return (...args: unknown[]) => {
        const memo = requests.getStore()?.sor;
        if (!memo) return value.apply(target, args);
        const [id] = args;
        if (args.length !== 1 || typeof id !== 'string') return clearing(memo, value.apply(target, args));
        const bundleKey = `bundle\u0000${id}`;
        if (isBundled(prop) && (prop !== 'listMembershipsOfUser' || memo.has(bundleKey))) {
          const bundle = memoized(memo, bundleKey, () => target.loadUserBundle(id));
          return bundle.then((b) => BUNDLED[prop](b as UserBundle | undefined));
        }
        if (prop === 'listMembershipsOfUser')
          return memoized(memo, `${prop}\u0000${id}`, () => value.apply(target, args));
        if (MEMOIZED.has(prop)) return memoized(memo, `${prop}\u0000${id}`, () => value.apply(target, args));
        return clearing(memo, value.apply(target, args));
      };
    },
  });
}
