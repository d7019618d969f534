// Store call latency and errors at the port boundary (Z5): the SystemOfRecord and EphemeralStore
// objects are wrapped once (src/server.ts openServices) so every caller is measured without knowing
// it. Operation labels are the port's method names (bounded); a rate limiter also counts its
// refusals by limiter name.
import {
  type AdapterConstructor,
  ConflictError,
  type EphemeralStore,
  type RateLimiter,
  type RateLimitOptions,
  StoreUnavailableError,
  type SystemOfRecord,
} from '../store/ports.ts';
import type { FleetMetrics, StoreName } from './metrics.ts';

type StoreMetrics = Pick<FleetMetrics, 'storeDuration' | 'storeErrors' | 'rateLimitRefusals'>;

function countError(m: StoreMetrics, store: StoreName, operation: string, err: unknown): void {
  if (err instanceof ConflictError) return; // an answer (e.g. a duplicate e-mail), not a failure
  const error = err instanceof StoreUnavailableError ? 'unavailable' : 'other';
  m.storeErrors.inc({ store, operation, error });
}

/** Runs one store call, timing it and counting its failure. */
function measure<T>(m: StoreMetrics, store: StoreName, operation: string, call: () => T): T {
  const end = m.storeDuration.startTimer({ store, operation });
  let result: T;
  try {
    result = call();
  } catch (err) {
    end();
    countError(m, store, operation, err);
    throw err;
  }
  if (!(result instanceof Promise)) {
    end();
    return result;
  }
  return result.then(
    (value) => {
      end();
      return value;
    },
    (err: unknown) => {
      end();
      countError(m, store, operation, err);
      throw err;
    },
  ) as T;
}

/**
 * A view of `target` whose methods are measured as `<prefix><name>`; `overrides` replace members.
 * Methods run on the target itself (not the proxy), so private state keeps working.
 */
function timed<T extends object>(
  target: T,
  m: StoreMetrics,
  store: StoreName,
  prefix: string,
  overrides: Partial<Record<keyof T, unknown>> = {},
): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof T];
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => measure(m, store, `${prefix}${prop}`, () => value.apply(t, args));
    },
  });
}

export function timedSystemOfRecord(sor: SystemOfRecord, m: StoreMetrics): SystemOfRecord {
  return timed(sor, m, 'database', '', {
    // The store handed to fn is bound to the transaction: its calls are measured too.
    transaction: <T>(fn: (tx: SystemOfRecord) => Promise<T>) =>
      measure(m, 'database', 'transaction', () => sor.transaction((tx) => fn(timedSystemOfRecord(tx, m)))),
  });
}

function meteredLimiter(limiter: RateLimiter, name: string, m: StoreMetrics): RateLimiter {
  const inner = timed(limiter, m, 'redis', 'ratelimit.');
  return timed(limiter, m, 'redis', 'ratelimit.', {
    consume: async (key: string, points?: number) => {
      const result = await inner.consume(key, points);
      if (!result.allowed) m.rateLimitRefusals.inc({ limiter: name });
      return result;
    },
  });
}

/** The oidc-provider adapter class, whose instances are measured as `oidc.<method>`. */
function timedAdapter(Adapter: AdapterConstructor, m: StoreMetrics): AdapterConstructor {
  return new Proxy(Adapter, {
    construct(target, args, newTarget) {
      return timed(Reflect.construct(target, args, newTarget), m, 'redis', 'oidc.');
    },
  });
}

export function timedEphemeralStore(eph: EphemeralStore, m: StoreMetrics): EphemeralStore {
  return timed(eph, m, 'redis', '', {
    OidcAdapter: timedAdapter(eph.OidcAdapter, m),
    kv: timed(eph.kv, m, 'redis', 'kv.'),
    rateLimiter: (options: RateLimitOptions) =>
      meteredLimiter(eph.rateLimiter(options), options.keyPrefix, m),
  });
}
