// npm run bench:load — sign-in throughput under load, side by side with the bare provider (issue 18).
//
// One process runs, interleaved round by round (so a noisy neighbour hits every figure alike):
//   - the bare node-oidc-provider 9 flow (dev interactions, memory adapter, no password hashing),
//   - an argon2id verify loop at Deadbolt's parameters (src/crypto/password.ts),
//   - Deadbolt password-only sign-ins and password + authenticator-app sign-ins (a distinct
//     enrolled user per flow: a time step is accepted once per user), on the embedded stores and on
//     PostgreSQL + Redis (fresh database and key prefix, removed afterwards),
//   - refresh grants on the bare provider and on Deadbolt.
// `concurrency` clients run each phase; the server, the clients and openid-client share this
// process (loopback only). floor = 1 / (1/bare + 1/argon2): the best a password sign-in can do.
// "core-ms each" is this process's CPU time (all threads) per flow: it holds up when other work
// shares the machine, where flows/s does not (the load average is printed at start).
//   npm run bench:load -- --concurrency 8 --seconds 4 --rounds 2 [--modes embedded,real]
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { hashPassword, verifyPassword } from '../src/crypto/password.ts';
import { REDIS_URL, type StoreMode } from '../test/support/server.ts';
import {
  type Deadbolt,
  type Flow,
  PASSWORD,
  refreshFlow,
  startBare,
  startDeadbolt,
} from './bench-load-flows.ts';

const { values: args } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '2' },
    modes: { type: 'string', default: 'embedded,real' },
  },
});
const CONCURRENCY = Number(args.concurrency);
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const MODES = args.modes.split(',') as StoreMode[];

interface Tally {
  count: number;
  errors: number;
  ms: number[];
  seconds: number;
  /** This process's CPU time (all threads, argon2's included) in the phase, ms. */
  cpuMs: number;
  firstError?: string;
}

const tallies = new Map<string, Tally>();
const tally = (name: string): Tally => {
  let t = tallies.get(name);
  if (!t) {
    t = { count: 0, errors: 0, ms: [], seconds: 0, cpuMs: 0 };
    tallies.set(name, t);
  }
  return t;
};

/** Runs `flow` from `CONCURRENCY` workers for SECONDS; adds to the named tally. */
async function phase(name: string, flow: (worker: number) => Flow): Promise<void> {
  const t = tally(name);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const until = started + SECONDS * 1000;
  const workers = Array.from({ length: CONCURRENCY }, async (_, w) => {
    const run = flow(w);
    while (performance.now() < until) {
      const s = performance.now();
      try {
        await run();
        t.ms.push(performance.now() - s);
        t.count++;
      } catch (err) {
        t.errors++;
        const e = err as Error & { error?: string; error_description?: string };
        t.firstError ??= [e.message, e.error, e.error_description].filter(Boolean).join(' — ').slice(0, 300);
      }
    }
  });
  await Promise.all(workers);
  t.seconds += (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  t.cpuMs += (used.user + used.system) / 1000;
}

/** Core-ms per flow: robust against other load on the machine, unlike flows/s. */
const coreMs = (name: string) => {
  const t = tallies.get(name);
  return t && t.count > 0 ? t.cpuMs / t.count : Number.NaN;
};

const rate = (name: string) => {
  const t = tallies.get(name);
  return t && t.seconds > 0 ? t.count / t.seconds : Number.NaN;
};

async function refreshTokens(signIn: () => Promise<string | undefined>): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < CONCURRENCY; i++) {
    const token = await signIn();
    if (!token) throw new Error('no refresh token issued');
    tokens.push(token);
  }
  return tokens;
}

async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const load = loadavg().map((l) => l.toFixed(2));
  console.log(
    `bench:load — concurrency ${CONCURRENCY}, ${ROUNDS} rounds × ${SECONDS} s per phase, ` +
      `${cpus().length} CPUs, load average ${load.join(' ')} at start, Node ${process.version}`,
  );
  const bare = await startBare();
  const deadbolts: Deadbolt[] = [];
  for (const mode of MODES) deadbolts.push(await startDeadbolt(mode));
  const hash = await hashPassword(PASSWORD);
  try {
    for (let round = 0; round < ROUNDS; round++) {
      await phase('bare', () => async () => void (await bare.signIn()));
      await phase('argon2', () => async () => {
        if (!(await verifyPassword(hash, PASSWORD))) throw new Error('argon2: no match');
      });
      for (const d of deadbolts) {
        await phase(`${d.mode}:password`, () => async () => void (await d.signInPassword()));
        // Enough fresh enrolled users for this round (created outside the measurement).
        const expect = Math.ceil((rate(`${d.mode}:app`) || 150) * SECONDS * 1.5) + 4 * CONCURRENCY;
        if (d.appUsersLeft() < expect) await d.addAppUsers(expect - d.appUsersLeft());
        await phase(`${d.mode}:app`, () => async () => void (await d.signInWithApp()));
      }
      // Fresh tokens each round: the bare provider's memory adapter is an LRU of 1000 entries.
      await phase('bare:refresh', refreshFlow(bare.rp, await refreshTokens(() => bare.signIn())));
      for (const d of deadbolts)
        await phase(`${d.mode}:refresh`, refreshFlow(d.rp, await refreshTokens(() => d.signInPassword())));
    }
  } finally {
    await bare.close();
    for (const d of deadbolts) {
      const prefix = d.server.services.config.redisKeyPrefix;
      await d.close();
      if (d.mode === 'real') await dropRedisPrefix(prefix);
    }
  }
  report();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function report(): void {
  const floor = 1 / (1 / rate('bare') + 1 / rate('argon2'));
  const ratio = (a: number, b: number, what: string) => `${(a / b).toFixed(2)} of ${what}`;
  const notes: Record<string, string> = {
    'bare:refresh': '',
  };
  for (const mode of MODES) {
    notes[`${mode}:password`] = ratio(rate(`${mode}:password`), floor, 'floor');
    notes[`${mode}:app`] =
      `${ratio(rate(`${mode}:app`), floor, 'floor')}; ${ratio(rate(`${mode}:app`), rate(`${mode}:password`), 'password-only')}`;
    notes[`${mode}:refresh`] = ratio(rate(`${mode}:refresh`), rate('bare:refresh'), 'bare refresh');
  }
  if (MODES.includes('embedded') && MODES.includes('real')) {
    for (const k of ['password', 'app', 'refresh'])
      notes[`embedded:${k}`] += `; ${ratio(rate(`embedded:${k}`), rate(`real:${k}`), 'PG+Redis')}`;
  }
  console.log(
    '\n| what | per s | p50 ms | p99 ms | core-ms each | errors | ratio |\n|---|---|---|---|---|---|---|',
  );
  for (const [name, t] of tallies) {
    const s = [...t.ms].sort((a, b) => a - b);
    const f = (v: number) => (v === undefined ? '–' : v.toFixed(1));
    console.log(
      `| ${name} | ${rate(name).toFixed(1)} | ${f(percentile(s, 50))} | ${f(percentile(s, 99))} | ${coreMs(name).toFixed(2)} | ${t.errors} | ${notes[name] ?? ''} |`,
    );
    if (name === 'argon2')
      console.log(
        `| floor = 1/(1/bare + 1/argon2) | ${floor.toFixed(1)} | | | ${(coreMs('bare') + coreMs('argon2')).toFixed(2)} | | |`,
      );
  }
  for (const [name, t] of tallies) if (t.firstError) console.log(`first error in ${name}: ${t.firstError}`);
  const errors = [...tallies.values()].reduce((n, t) => n + t.errors, 0);
  process.exitCode = errors > 0 ? 1 : 0;
}

await main();
