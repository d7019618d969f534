// npm run bench:mfa — server time and store round trips of the MFA verify request
// (POST /interaction/:uid/mfa/verify with a correct app code: the full successful path).
//
// Each sample is a different user (a code is accepted once per user and time step), signed in up to
// the MFA challenge outside the measurement; only the verify request is measured.
//
// Server time: from the server's own view — a listener prepended to the HTTP server's 'request'
// event starts a clock when the request's headers have been parsed, and the response's 'finish'
// (last byte handed to the OS) stops it. No client or network time is included.
//
// Round trips: the `real` run with counting proxies (scripts/counting-proxy.ts) between the server
// and Redis and between the server and PostgreSQL. Counters are read just before and just after
// the verify request (nothing else runs meanwhile); the method is explained in that file. The
// proxy adds a hop per round trip, so the times are taken from a separate run without proxies.
//
// Store calls on the path (src/interactions/mfa/{index,context,challenge}.ts, src/mfa/service.ts,
// src/mfa/attempts.ts, src/mfa/totp/factor.ts, oidc-provider lib/provider.js):
//   1. provider.interactionDetails → Interaction.find (Redis GET), then Session.findByUid (GET the
//      uid index, then GET the session)
//   2. mfa.load → findUserById, listMembershipsOfUser, listFactors (PostgreSQL, in parallel)
//   3. guard.check → rate-limit peeks per user and per IP (two MULTI GET+PTTL, in parallel)
//   4. TOTP verify → open the sealed secret (CPU), sor.advanceTotpStep (one conditional UPDATE)
//   5. guard.succeed → DEL of the per-user rate-limit key
//   6. provider.interactionResult → the same three reads as 1, then Interaction.save (MULTI SET)
// Run: node scripts/bench-mfa.ts [samples]   (default 200; BENCH_MODES=embedded,real,proxied)
import { cpus, loadavg } from 'node:os';
import { hashPassword } from '../src/crypto/password.ts';
import { seal } from '../src/crypto/sealed.ts';
import { totpAad } from '../src/mfa/totp/factor.ts';
import { createTotpSecret } from '../src/mfa/totp/totp.ts';
import { Browser, formAction, hiddenInputs } from '../test/support/browser.ts';
import { appCode, isMfaChallenge } from '../test/support/mfa.ts';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres.ts';
import { open, RelyingParty, submitPassword } from '../test/support/rp.ts';
import { REDIS_URL, startTestServer } from '../test/support/server.ts';
import { type CountingProxy, type ProxyCounts, startCountingProxy } from './counting-proxy.ts';

type Mode = 'embedded' | 'real' | 'proxied';

const SAMPLES = Number(process.argv[2] ?? 200);
const WARMUP = 20;
const PASSWORD = 'a long and correct bench password';
const VERIFY = /\/mfa\/verify$/;

interface Result {
  mode: Mode;
  ms: number[];
  redis: ProxyCounts[];
  pg: ProxyCounts[];
  failures: number;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

function delta(before: ProxyCounts, after: ProxyCounts): ProxyCounts {
  return {
    bursts: after.bursts - before.bursts,
    sequential: after.sequential - before.sequential,
    commands: after.commands.slice(before.commands.length),
  };
}

async function run(mode: Mode): Promise<Result> {
  const env: Record<string, string> = {
    LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
    MFA_MAX_FAILURES_PER_IP: '100000',
  };
  let db: TestDatabase | undefined;
  let redisProxy: CountingProxy | undefined;
  let pgProxy: CountingProxy | undefined;
  if (mode === 'proxied') {
    db = await createTestDatabase();
    const dbUrl = new URL(db.url);
    pgProxy = await startCountingProxy(dbUrl.hostname, Number(dbUrl.port || 5432));
    dbUrl.hostname = '127.0.0.1';
    dbUrl.port = String(pgProxy.port);
    env.DATABASE_URL = dbUrl.toString();
    const redisUrl = new URL(REDIS_URL);
    redisProxy = await startCountingProxy(redisUrl.hostname, Number(redisUrl.port || 6379), { resp: true });
    redisUrl.hostname = '127.0.0.1';
    redisUrl.port = String(redisProxy.port);
    env.REDIS_URL = redisUrl.toString();
  }
  const server = await startTestServer(mode === 'embedded' ? 'embedded' : 'real', { env });
  const result: Result = { mode, ms: [], redis: [], pg: [], failures: 0 };
  try {
    let lastMs = Number.NaN;
    server.server.prependListener('request', (req, res) => {
      if (req.method !== 'POST' || !VERIFY.test(req.url ?? '')) return;
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        lastMs = Number(process.hrtime.bigint() - started) / 1e6;
      });
    });
    const { sor, config } = server.services;
    const rp = await RelyingParty.discover(server.issuer);
    const passwordHash = await hashPassword(PASSWORD);
    const org = await sor.createOrg({ name: 'Bench (paid)', plan: 'paid' });
    const empty: ProxyCounts = { bursts: 0, sequential: 0, commands: [] };
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      const email = `bench-${mode}-${i}@example.test`;
      const user = await sor.createUser({ email, passwordHash });
      await sor.setMembership(user.id, org.id, 'member');
      const secret = createTotpSecret();
      await sor.insertFactor({
        userId: user.id,
        type: 'totp',
        secretEnc: seal(config.factorKeys, secret, totpAad(user.id)),
      });
      const browser = new Browser();
      const page = await submitPassword(browser, await open(browser, await rp.authorize()), email, PASSWORD);
      if (!isMfaChallenge(page)) throw new Error(`user ${i}: expected the MFA challenge, got ${page.status}`);
      const url = new URL(formAction(page.text, VERIFY), page.url);
      const form = { ...hiddenInputs(page.text, VERIFY), code: await appCode(secret) };

      await settle();
      const before = { redis: redisProxy?.snapshot() ?? empty, pg: pgProxy?.snapshot() ?? empty };
      lastMs = Number.NaN;
      const res = await browser.request(url, { form });
      await settle();
      const after = { redis: redisProxy?.snapshot() ?? empty, pg: pgProxy?.snapshot() ?? empty };

      const ok = res.status === 303 && /\/auth\//.test(res.headers.get('location') ?? '');
      if (!ok) result.failures++;
      if (i < WARMUP) continue;
      result.ms.push(lastMs);
      result.redis.push(delta(before.redis, after.redis));
      result.pg.push(delta(before.pg, after.pg));
    }
  } finally {
    await server.stop();
    await redisProxy?.close();
    await pgProxy?.close();
    await db?.drop();
  }
  return result;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function spread(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const min = s[0];
  const max = s.at(-1);
  return min === max ? String(min) : `${min}–${max} (median ${percentile(s, 50)})`;
}

function report(r: Result): void {
  const s = [...r.ms].sort((a, b) => a - b);
  const f = (v: number) => `${v.toFixed(2)} ms`;
  const label = {
    embedded: 'embedded stores',
    real: 'PostgreSQL + Redis',
    proxied: 'through counting proxies',
  };
  console.log(`\n${r.mode} (${label[r.mode]}): ${s.length} verifications, ${r.failures} not accepted`);
  console.log(
    `  server time  median ${f(percentile(s, 50))}  p99 ${f(percentile(s, 99))}  max ${f(s.at(-1)!)}`,
  );
  if (r.mode !== 'proxied') return;
  console.log(`  Redis round trips per verify: ${spread(r.redis.map((c) => c.sequential))}`);
  console.log(`  Redis commands per verify:    ${spread(r.redis.map((c) => c.commands.length))}`);
  console.log(`  Redis command sequence:       ${r.redis[0]?.commands.join(' ')}`);
  console.log(`  PostgreSQL round trips per verify: ${spread(r.pg.map((c) => c.sequential))} sequential,`);
  console.log(`                                     ${spread(r.pg.map((c) => c.bursts))} across the pool`);
}

const modes = (process.env.BENCH_MODES ?? 'embedded,real,proxied').split(',') as Mode[];
console.log(
  `MFA verify benchmark: ${SAMPLES} samples per mode after ${WARMUP} warm-up, Node ${process.version}`,
);
// Tail latencies depend on what else the machine runs: say how busy it was.
console.log(
  `${cpus().length} CPUs, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at start`,
);
let failed = false;
for (const mode of modes) {
  const r = await run(mode);
  report(r);
  failed ||= r.failures > 0;
}
console.log('\nTarget (issue 3): p99 < 5 ms and ≤ 3 Redis round trips.');
process.exit(failed ? 1 : 0);
