// npm run bench — how long one full password sign-in takes, end to end, on the embedded stores and
// on PostgreSQL + Redis: authorize → sign-in page → password → callback → code exchange (openid-client,
// PKCE, ID token validation). Each mode runs warm-ups first, then N timed flows, one at a time.
//   BENCH_N=30 BENCH_WARMUP=3 npm run bench
import { performance } from 'node:perf_hooks';
import { Browser } from '../test/support/browser.ts';
import { RelyingParty, signInWithPassword } from '../test/support/rp.ts';
import { STORE_MODES, type StoreMode, startTestServer } from '../test/support/server.ts';

const N = Number(process.env.BENCH_N ?? 30);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const EMAIL = 'bench@example.test';
const PASSWORD = 'a long and correct benchmark password';

const LABELS: Record<StoreMode, string> = {
  embedded: 'embedded (PGlite + memory)',
  real: 'real (PostgreSQL + Redis)',
};

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function bench(mode: StoreMode): Promise<number[]> {
  // High login limits: the benchmark signs one account in many times from one IP.
  const server = await startTestServer(mode, {
    env: { LOGIN_MAX_ATTEMPTS_PER_IP: '100000', LOG_LEVEL: 'silent' },
  });
  try {
    await server.createUser(EMAIL, PASSWORD, { plan: 'free' });
    const rp = await RelyingParty.discover(server.issuer);
    const flow = async () => {
      const { tokens } = await signInWithPassword(new Browser(), rp, EMAIL, PASSWORD);
      if (!tokens.claims()?.sub) throw new Error('no subject in the ID token');
    };
    for (let i = 0; i < WARMUP; i++) await flow();
    const samples: number[] = [];
    for (let i = 0; i < N; i++) {
      const started = performance.now();
      await flow();
      samples.push(performance.now() - started);
    }
    return samples.sort((a, b) => a - b);
  } finally {
    await server.stop();
  }
}

const started = performance.now();
process.stdout.write(
  `Deadbolt sign-in benchmark: ${N} full flows per store mode after ${WARMUP} warm-ups\n` +
    '(authorize → sign-in page → password → callback → code exchange), one at a time, ms per flow\n\n',
);
for (const mode of STORE_MODES) {
  const s = await bench(mode);
  const ms = (v: number) => v.toFixed(1).padStart(7);
  process.stdout.write(
    `${LABELS[mode].padEnd(28)} median ${ms(percentile(s, 50))}   p95 ${ms(percentile(s, 95))}` +
      `   min ${ms(s[0])}   max ${ms(s[s.length - 1])}\n`,
  );
}
process.stdout.write(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
