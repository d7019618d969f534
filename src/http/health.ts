// /healthz checks both stores (X5, X2): 200 when both answer, 503 naming the one that does not.
import type { Context } from 'koa';
import type { EphemeralStore, SystemOfRecord } from '../store/ports.ts';

async function check(fn: () => Promise<void>, timeoutMs: number): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

export function healthz(sor: SystemOfRecord, eph: EphemeralStore) {
  return async (ctx: Context) => {
    const [database, redis] = await Promise.all([
      check(() => sor.ping(), 2000),
      check(() => eph.ping(), 2000),
    ]);
    const ok = database === 'up' && redis === 'up';
    ctx.status = ok ? 200 : 503;
    ctx.set('cache-control', 'no-store');
    ctx.body = {
      status: ok ? 'ok' : 'unavailable',
      database: { status: database, kind: sor.kind },
      redis: { status: redis, kind: eph.kind },
    };
  };
}
