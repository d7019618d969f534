// One limited attempt (V2): every limit it is subject to is spent atomically *before* the secret is
// checked (rate-limiter-flexible's consume is one Lua script on Redis, one synchronous step in
// memory), so N parallel attempts against a limit L check at most L. Afterwards the caller settles
// the attempt: a failure keeps what it spent; a success gives back (or forgets) what only failures
// should cost; a refused attempt, or one that checked nothing, gives back all but per-request counts.
import { type RateLimiter, StoreUnavailableError } from './ports.ts';

export interface AttemptLimit {
  limiter: RateLimiter;
  /** Omitted: this limit does not apply to the attempt (e.g. no client address). */
  key: string | undefined;
  /**
   * What the limit counts. `failures`: wrong secrets (a success gives its point back);
   * `failures-in-a-row`: wrong secrets since the last success (a success forgets the key);
   * `checks`: attempts that went through (e.g. SMS sends; kept on success); `requests`: every
   * request, refused or not. Except for `requests`, a refused or cancelled attempt costs nothing.
   */
  counts: 'failures' | 'failures-in-a-row' | 'checks' | 'requests';
}

export type Attempt =
  | {
      allowed: false;
      retryAfterSeconds: number;
      /** Index (in the given limits) of the first limit that refused. */
      refusedBy: number;
    }
  | {
      allowed: true;
      /** Attempts left under the tightest limit, this one already counted. */
      remaining: number;
      /** The secret was right. */
      succeed(): Promise<void>;
      /** Nothing was checked after all (e.g. the method is not enrolled): given back (AttemptLimit.counts). */
      cancel(): Promise<void>;
    };

/** Spends one point of every applicable limit; refused (and given back) when any is exhausted. */
export async function beginAttempt(limits: AttemptLimit[]): Promise<Attempt> {
  const active = limits.flatMap((l, index) => (l.key === undefined ? [] : [{ ...l, key: l.key, index }]));
  const spent = await Promise.all(active.map((l) => l.limiter.consume(l.key)));
  const giveBack = async () => {
    await Promise.all(active.filter((l) => l.counts !== 'requests').map((l) => l.limiter.refund(l.key)));
  };
  const refused = spent.findIndex((r) => !r.allowed);
  if (refused !== -1) {
    // A refused attempt checks nothing: it costs nothing, except where every request counts.
    await giveBack();
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, ...spent.map((r) => (r.allowed ? 0 : r.retryAfterSeconds))),
      refusedBy: active[refused].index,
    };
  }
  let settled = false;
  const once = (run: () => Promise<void>) => async () => {
    if (settled) return;
    settled = true;
    await run();
  };
  return {
    allowed: true,
    remaining: Math.min(...spent.map((r) => r.remaining)),
    succeed: once(async () => {
      await Promise.all(
        active.map((l) =>
          l.counts === 'failures-in-a-row'
            ? l.limiter.reset(l.key)
            : l.counts === 'failures'
              ? l.limiter.refund(l.key)
              : undefined,
        ),
      );
    }),
    cancel: once(giveBack),
  };
}

/**
 * Runs the check of an allowed attempt. When a store fails during it, nothing was really checked:
 * the attempt is given back (best effort — the store that failed may be the limiter's) and the
 * error goes on to the 503 page (X2), so an outage does not lock people out afterwards.
 */
export async function checkWith<T>(
  attempt: { cancel(): Promise<void> },
  check: () => Promise<T>,
): Promise<T> {
  try {
    return await check();
  } catch (err) {
    if (err instanceof StoreUnavailableError) await attempt.cancel().catch(() => undefined);
    throw err;
  }
}
