// A6: `deadbolt doctor` — checks a deployment's configuration (src/ops/doctor-config.ts), that it
// loads, that the stores answer (round-trip time) and that this machine's clock agrees with the
// database's. Each check is ok, warn or fail, with what to do; any fail makes the exit code 1.
import { sql } from 'kysely';
import { type Config, ConfigError, loadConfig } from '../config/index.ts';
import { openEphemeralStore } from '../store/ephemeral/index.ts';
import { KyselySystemOfRecord, openSystemOfRecord } from '../store/sor/index.ts';
import { type Check, configChecks } from './doctor-config.ts';

export type { Check } from './doctor-config.ts';

const SLOW_MS = 100;
const SKEW_WARN_MS = 1000;
/** TOTP accepts ±1 step of 30 s; tokens' iat/exp too: a few seconds already matter. */
const SKEW_FAIL_MS = 5000;

function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Median round trip of three pings, in ms. */
async function roundTrip(ping: () => Promise<void>, ms: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await bounded(ping(), ms);
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[1] ?? 0;
}

const timed = (name: string, rtt: number, what: string): Check =>
  rtt > SLOW_MS
    ? {
        name,
        status: 'warn',
        message: `${what} answers in ${rtt.toFixed(1)} ms`,
        fix: `every sign-in waits for it: move it closer (under ${SLOW_MS} ms)`,
      }
    : { name, status: 'ok', message: `${what} answers in ${rtt.toFixed(1)} ms` };

async function databaseChecks(config: Config): Promise<Check[]> {
  const what = config.databaseUrl ? 'PostgreSQL' : 'embedded PGlite';
  const bound = config.database.connectTimeoutMs + config.database.queryTimeoutMs;
  let sor: Awaited<ReturnType<typeof openSystemOfRecord>>;
  try {
    sor = await bounded(
      openSystemOfRecord({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        pool: {
          max: 1,
          connectTimeoutMs: config.database.connectTimeoutMs,
          queryTimeoutMs: config.database.queryTimeoutMs,
        },
      }),
      bound + 2000,
    );
  } catch (err) {
    if ((err as Error).name === 'DataDirLockedError')
      return [
        {
          name: 'database',
          status: 'warn',
          message: `not checked: ${(err as Error).message}`,
          fix: 'run doctor while the server is stopped, or use DATABASE_URL',
        },
      ];
    const fix = config.databaseUrl
      ? 'check DATABASE_URL (host, port, credentials) and that PostgreSQL runs'
      : 'check DATA_DIR (writable, not damaged)';
    return [
      { name: 'database', status: 'fail', message: `${what} unreachable: ${(err as Error).message}`, fix },
    ];
  }
  try {
    const checks = [timed('database', await roundTrip(() => sor.ping(), bound), what)];
    if (sor instanceof KyselySystemOfRecord) checks.push(await clockSkew(sor));
    return checks;
  } catch (err) {
    return [
      {
        name: 'database',
        status: 'fail',
        message: `${what}: ${(err as Error).message}`,
        fix: 'check the database server',
      },
    ];
  } finally {
    await sor.close().catch(() => {});
  }
}

async function clockSkew(sor: KyselySystemOfRecord): Promise<Check> {
  const before = Date.now();
  const { rows } = await sql<{ now: Date | string }>`select now() as now`.execute(sor.db);
  const after = Date.now();
  const skew = new Date(rows[0]?.now ?? 0).getTime() - (before + after) / 2;
  const message = `this clock and the database's differ by ${(skew / 1000).toFixed(2)} s`;
  const fix = 'synchronize the clocks (NTP/chrony) of the servers and the database';
  if (Math.abs(skew) > SKEW_FAIL_MS) return { name: 'clock', status: 'fail', message, fix };
  if (Math.abs(skew) > SKEW_WARN_MS) return { name: 'clock', status: 'warn', message, fix };
  return { name: 'clock', status: 'ok', message };
}

async function redisChecks(config: Config): Promise<Check[]> {
  if (!config.redis) {
    return config.env === 'production'
      ? [
          {
            name: 'redis',
            status: 'warn',
            message: 'not configured: sessions live in this process and are lost on restart',
            fix: 'set REDIS_URL (or REDIS_CLUSTER_NODES / REDIS_SENTINELS) to run more than one instance',
          },
        ]
      : [{ name: 'redis', status: 'ok', message: 'not configured (in-memory, development)' }];
  }
  const eph = openEphemeralStore({
    redis: config.redis,
    keyPrefix: config.redisKeyPrefix,
    commandTimeoutMs: config.redisCommandTimeoutMs,
  });
  try {
    return [timed('redis', await roundTrip(() => eph.ping(), config.redisCommandTimeoutMs + 2000), 'Redis')];
  } catch (err) {
    return [
      {
        name: 'redis',
        status: 'fail',
        message: `Redis unreachable: ${(err as Error).message}`,
        fix: 'check REDIS_URL (host, port, password, TLS) and that Redis runs',
      },
    ];
  } finally {
    await eph.close().catch(() => {});
  }
}

export async function diagnose(env: NodeJS.ProcessEnv = process.env): Promise<Check[]> {
  const checks = configChecks(env);
  let config: Config;
  try {
    config = await loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    checks.push({
      name: 'configuration',
      status: 'fail',
      message: err.message,
      fix: 'the server refuses to start with it: fix the variable named',
    });
    checks.push({ name: 'stores', status: 'warn', message: 'not checked: the configuration does not load' });
    return checks;
  }
  checks.push({ name: 'configuration', status: 'ok', message: `loads (NODE_ENV=${config.env})` });
  const [database, redis] = await Promise.all([databaseChecks(config), redisChecks(config)]);
  return [...checks, ...database, ...redis];
}

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

export function formatChecks(checks: Check[]): string {
  return checks
    .map((c) => `${MARK[c.status]}  ${c.name.padEnd(22)} ${c.message}${c.fix ? `\n      fix: ${c.fix}` : ''}`)
    .join('\n');
}
