// Per-request memo of the system-of-record reads one HTTP request repeats (issue 18): the login
// prompt's session_voided check (V3), the mfa gate's policy inputs (P3) and findAccount at the token
// endpoint each read the same user, memberships and factors within one request. Inside a request
// (withReadMemo, installed by src/app.ts) the second read of the same key gets the first one's
// answer; outside a request (CLI, jobs) every call goes to the store.
//
// Fresh enough by construction: the memo lives for one request only, and any other call on the
// store (a write, a transaction) clears it, when issued and again when settled, so a request
// never reads back less than it wrote. A failed read is not kept: the next read asks again, and
// a store error still propagates to the caller (fail closed).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SystemOfRecord } from './ports.ts';

const MEMOIZED = new Set<string>([
  'findUserById',
  'listMembershipsOfUser',
  'listFactors',
  'findClient',
  'findOrgsBySsoDomain',
]);
/** Calls that change nothing and so keep the memo. */
const PASSIVE = new Set<string>(['ping', 'kind']);

type Memo = Map<string, Promise<unknown>>;
const requests = new AsyncLocalStorage<Memo>();

/** Runs `fn` (one request's handling) with its own, empty memo. */
export function withReadMemo<T>(fn: () => T): T {
  return requests.run(new Map(), fn);
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
        const memo = requests.getStore();
        if (!memo) return value.apply(target, args);
        if (MEMOIZED.has(prop) && args.length === 1 && typeof args[0] === 'string') {
          return memoized(memo, `${prop}\u0000${args[0]}`, () => value.apply(target, args));
        }
        return clearing(memo, value.apply(target, args));
      };
    },
  });
}
