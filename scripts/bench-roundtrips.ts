// Store round trips per full sign-in (issue 18), as bench:mfa counts them for the verify request:
// Deadbolt on PostgreSQL + Redis through counting proxies (scripts/counting-proxy.ts, its method),
// password-only, password + authenticator app and a refresh grant, one at a time; the Redis
// command mix too.
//   node scripts/node24.cjs scripts/bench-roundtrips.ts [flows]   (default 10 per kind)

import { createTestDatabase } from '../test/support/postgres.ts';
import { REDIS_URL } from '../test/support/server.ts';
import { type Deadbolt, refreshFlow, startDeadbolt } from './bench-load-flows.ts';
import { startCountingProxy } from './counting-proxy.ts';

const N = Number(process.argv[2] ?? 10);

async function proxied(url: string, resp: boolean) {
  const u = new URL(url);
  const proxy = await startCountingProxy(u.hostname, Number(u.port || (resp ? 6379 : 5432)), { resp });
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return { proxy, url: u.toString() };
}

type Kind = 'password' | 'app' | 'refresh';

/** The flow of one kind; a refresh grant rotates one refresh token from a password sign-in. */
async function flowOf(d: Deadbolt, kind: Kind): Promise<() => Promise<unknown>> {
  if (kind === 'app') return () => d.signInWithApp();
  if (kind === 'password') return () => d.signInPassword();
  const tokens = [(await d.signInPassword()) ?? ''];
  const grant = refreshFlow(d.rp, tokens)(0);
  return grant;
}

async function count(d: Deadbolt, kind: Kind, pg: Proxy, redis: Proxy): Promise<void> {
  const flow = await flowOf(d, kind);
  await flow(); // warm-up
  const before = { r: redis.snapshot(), p: pg.snapshot() };
  for (let i = 0; i < N; i++) await flow();
  const after = { r: redis.snapshot(), p: pg.snapshot() };
  const per = (v: number) => (v / N).toFixed(1);
  const mix = new Map<string, number>();
  for (const c of after.r.commands.slice(before.r.commands.length)) mix.set(c, (mix.get(c) ?? 0) + 1);
  console.log(
    `${kind.padEnd(8)} Redis round trips ${per(after.r.bursts - before.r.bursts)}, commands ${per(after.r.commands.length - before.r.commands.length)}; ` +
      `PostgreSQL round trips ${per(after.p.bursts - before.p.bursts)} (${per(after.p.sequential - before.p.sequential)} sequential)`,
  );
  console.log(`         ${[...mix].map(([c, n]) => `${c}×${per(n)}`).join(' ')}`);
}

type Proxy = Awaited<ReturnType<typeof proxied>>['proxy'];
const db = await createTestDatabase();
const pg = await proxied(db.url, false);
const redis = await proxied(REDIS_URL, true);
const d = await startDeadbolt('real', { DATABASE_URL: pg.url, REDIS_URL: redis.url });
try {
  await d.addAppUsers(N + 2);
  console.log(`store round trips per full sign-in and per refresh grant (mean of ${N}, one at a time)`);
  await count(d, 'password', pg.proxy, redis.proxy);
  await count(d, 'app', pg.proxy, redis.proxy);
  await count(d, 'refresh', pg.proxy, redis.proxy);
} finally {
  await d.close();
  await redis.proxy.close();
  await pg.proxy.close();
  await db.drop();
}
process.exit(0);
