// npm run bench:import — throughput of `deadbolt user import` (A4): N generated users (default
// 100 000; one in ten with a TOTP secret, all in 10 organizations, bcrypt hashes stored as given)
// parsed from JSON lines and imported in batches of 1000, into embedded PGlite (a temporary
// DATA_DIR) and into PostgreSQL (a throw-away database on TEST_DATABASE_URL or 127.0.0.1:5432).
// Run: node scripts/node24.cjs scripts/bench-import.ts [N]   (BENCH_MODES=pglite,postgres)
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSealingKeys } from '../src/crypto/sealed.ts';
import { parseImportFile } from '../src/import/rows.ts';
import { importRows } from '../src/import/run.ts';
import type { SystemOfRecord } from '../src/store/ports.ts';
import { openSystemOfRecord } from '../src/store/sor/index.ts';
import { createTestDatabase } from '../test/support/postgres.ts';

const N = Number(process.argv[2] ?? 100_000);
const MODES = (process.env.BENCH_MODES ?? 'pglite,postgres').split(',');
const HASH = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
const factorKeys = parseSealingKeys(`bench:${randomBytes(32).toString('base64url')}`);

function file(): string {
  const lines: string[] = [];
  for (let i = 0; i < N; i++) {
    const totp = i % 10 === 0 ? { totp_secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' } : {};
    lines.push(
      JSON.stringify({ email: `u${i}@bench.test`, password_hash: HASH, org: `Org ${i % 10}`, ...totp }),
    );
  }
  return lines.join('\n');
}

async function run(mode: string, sor: SystemOfRecord, content: string): Promise<void> {
  const started = performance.now();
  const summary = await importRows(sor, parseImportFile('bench.jsonl', content), {
    factorKeys,
    createOrgs: true,
  });
  const seconds = (performance.now() - started) / 1000;
  if (summary.imported !== N) throw new Error(`${mode}: imported ${summary.imported} of ${N}`);
  const rate = Math.round(N / seconds);
  process.stdout.write(`${mode.padEnd(9)} ${N} users in ${seconds.toFixed(1)} s = ${rate} users/s\n`);
}

const content = file();
process.stdout.write(`bench:import — ${N} users, batches of 1000, ${cpus().length} CPUs\n`);
for (const mode of MODES) {
  if (mode === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'deadbolt-bench-import-'));
    const sor = await openSystemOfRecord({ dataDir: dir });
    try {
      await run(mode, sor, content);
    } finally {
      await sor.close();
      await rm(dir, { recursive: true, force: true });
    }
  } else {
    const db = await createTestDatabase();
    const sor = await openSystemOfRecord({ databaseUrl: db.url, dataDir: ':memory:' });
    try {
      await run(mode, sor, content);
    } finally {
      await sor.close();
      await db.drop();
    }
  }
}
