// X4: configuration comes from environment variables and is validated at start; a bad value stops
// the server with a clear message that names the variable (no stack trace).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateJwks } from '../../src/config/dev-secrets.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { envSchema } from '../../src/config/schema.ts';

const ROOT = new URL('../../', import.meta.url);
const BASE = { NODE_ENV: 'test', DATA_DIR: ':memory:' };
const factorKey = () => `k1:${randomBytes(32).toString('base64url')}`;
const cookieKey = () => randomBytes(32).toString('base64url');

/** loadConfig must reject with a ConfigError whose message names `variable`. */
async function rejectsNaming(env: Record<string, string>, variable: string): Promise<void> {
  await assert.rejects(loadConfig({ ...BASE, ...env }), (err: unknown) => {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.ok(err.message.includes(variable), `"${err.message}" names ${variable}`);
    return true;
  });
}

function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['src/main.ts'],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 15_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err.code as number | null) ?? null) : 0, stdout, stderr }),
    );
  });
}

describe('X4: configuration validated at start', function () {
  this.timeout(30_000);
  let dir: string;
  let jwksFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-x4-'));
    jwksFile = join(dir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify(await generateJwks()));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const production = () => ({
    NODE_ENV: 'production',
    DATA_DIR: dir,
    ISSUER: 'https://id.example.com',
    COOKIE_KEYS: cookieKey(),
    JWKS_FILE: jwksFile,
    FACTOR_ENCRYPTION_KEYS: factorKey(),
    SMS_MESSAGEBIRD_ACCESS_KEY: 'test-access-key',
    SMS_ORIGINATORS: '10001,10002',
    SMTP_URL: 'smtp://mail.example.com',
    MAIL_FROM: 'no-reply@example.com',
  });

  it('X4: a complete production configuration loads, with the values given', async () => {
    const env = { ...production(), PORT: '8443', LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '7', TRUST_PROXY: 'true' };
    const config = await loadConfig({
      ...env,
      DATABASE_URL: 'postgresql://db.example.com/deadbolt',
      REDIS_URL: 'rediss://cache.example.com:6380',
    });
    assert.equal(config.env, 'production');
    assert.equal(config.port, 8443);
    assert.equal(config.issuer, 'https://id.example.com');
    assert.deepEqual(config.cookieKeys, [env.COOKIE_KEYS]);
    assert.equal(config.login.maxPerAccount, 7);
    assert.equal(config.trustProxy, true);
    assert.equal(config.factorKeys.current, 'k1');
    assert.equal(config.databaseUrl, 'postgresql://db.example.com/deadbolt');
    assert.equal(config.redisUrl, 'rediss://cache.example.com:6380');
  });

  it('X4: malformed values are refused, naming the variable', async () => {
    await rejectsNaming({ PORT: 'abc' }, 'PORT');
    await rejectsNaming({ PORT: '70000' }, 'PORT');
    await rejectsNaming({ ISSUER: 'not-a-url' }, 'ISSUER');
    await rejectsNaming({ ISSUER: 'ftp://id.example.com' }, 'ISSUER');
    await rejectsNaming({ ISSUER: 'https://id.example.com/?tenant=1' }, 'ISSUER');
    await rejectsNaming({ DATABASE_URL: 'localhost:5432' }, 'DATABASE_URL');
    await rejectsNaming({ DATABASE_URL: 'mysql://db.example.com/deadbolt' }, 'DATABASE_URL');
    await rejectsNaming({ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL');
    await rejectsNaming({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
    await rejectsNaming({ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY');
    await rejectsNaming({ LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '0' }, 'LOGIN_MAX_ATTEMPTS_PER_ACCOUNT');
    await rejectsNaming({ MAX_BODY_BYTES: 'lots' }, 'MAX_BODY_BYTES');
  });

  it('Z1: a Redis Cluster or Sentinel group is configured by host:port lists, one topology at a time', async () => {
    const cluster = await loadConfig({ ...BASE, REDIS_CLUSTER_NODES: '10.0.0.1:7000, [::1]:7001' });
    assert.deepEqual(cluster.redis, {
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '::1', port: 7001 },
      ],
    });
    const sentinel = await loadConfig({
      ...BASE,
      REDIS_SENTINELS: 's1:26379,s2:26379',
      REDIS_SENTINEL_NAME: 'main',
    });
    assert.deepEqual(sentinel.redis, {
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'main',
    });
    assert.deepEqual((await loadConfig({ ...BASE, REDIS_URL: 'redis://r:6379' })).redis, {
      kind: 'single',
      url: 'redis://r:6379',
    });
    assert.equal((await loadConfig(BASE)).redis, undefined);
    await rejectsNaming({ REDIS_CLUSTER_NODES: 'redis-1' }, 'REDIS_CLUSTER_NODES');
    await rejectsNaming({ REDIS_CLUSTER_NODES: 'redis-1:99999' }, 'REDIS_CLUSTER_NODES');
    await rejectsNaming({ REDIS_SENTINELS: 's1:26379' }, 'REDIS_SENTINEL_NAME');
    await rejectsNaming({ REDIS_SENTINEL_NAME: 'main' }, 'REDIS_SENTINELS');
    await rejectsNaming(
      { REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'r:7000' },
      'REDIS_CLUSTER_NODES',
    );
  });

  it('X4: NODE_ENV=production requires ISSUER, COOKIE_KEYS, JWKS_FILE and FACTOR_ENCRYPTION_KEYS', async () => {
    for (const name of ['ISSUER', 'COOKIE_KEYS', 'JWKS_FILE', 'FACTOR_ENCRYPTION_KEYS'] as const) {
      const env: Record<string, string> = production();
      delete env[name];
      await rejectsNaming(env, name);
    }
    await rejectsNaming({ ...production(), COOKIE_KEYS: ' , ' }, 'COOKIE_KEYS');
    await rejectsNaming({ ...production(), JWKS_FILE: join(dir, 'missing.json') }, 'JWKS_FILE');
    // A JWKS of public keys only cannot sign tokens.
    const publicOnly = join(dir, 'public.json');
    const { keys } = await generateJwks();
    await writeFile(publicOnly, JSON.stringify({ keys: keys.map(({ d: _d, p: _p, q: _q, ...k }) => k) }));
    await rejectsNaming({ ...production(), JWKS_FILE: publicOnly }, 'JWKS_FILE');
    await rejectsNaming({ ...production(), DATA_DIR: ':memory:' }, 'DATA_DIR');
  });

  it('X4: bad FACTOR_ENCRYPTION_KEYS and short COOKIE_KEYS are refused', async () => {
    for (const bad of [
      'no-kid-prefix',
      'k1:too-short',
      `k1:${randomBytes(16).toString('base64url')}`,
      'k1:,',
    ]) {
      await rejectsNaming({ FACTOR_ENCRYPTION_KEYS: bad }, 'FACTOR_ENCRYPTION_KEYS');
    }
    const same = randomBytes(32).toString('base64url');
    await rejectsNaming({ FACTOR_ENCRYPTION_KEYS: `a:${same},b:${same}` }, 'FACTOR_ENCRYPTION_KEYS');
    await rejectsNaming({ COOKIE_KEYS: 'short' }, 'COOKIE_KEYS');
    await rejectsNaming({ COOKIE_KEYS: `${cookieKey()},short` }, 'COOKIE_KEYS');
  });

  it('X4: .env.example names every variable, and the values it sets are the defaults', async () => {
    const text = await readFile(new URL('.env.example', ROOT), 'utf8');
    const named = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const variables = Object.keys(envSchema.shape);
    assert.deepEqual(
      variables.filter((v) => !named.has(v)),
      [],
      'variables missing from .env.example',
    );
    assert.deepEqual(
      [...named].filter((v) => !variables.includes(v)),
      [],
      'unknown variables in .env.example',
    );
    const set = Object.fromEntries(
      [...text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2].trim()]),
    );
    assert.deepEqual(envSchema.parse(set), envSchema.parse({}), 'uncommented values equal the defaults');
  });

  it('X4: `node src/main.ts` with PORT=abc exits 1 with a message naming PORT, no stack trace', async () => {
    const { code, stdout, stderr } = await run({ PORT: 'abc', DATA_DIR: ':memory:' });
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^deadbolt: Invalid configuration — PORT: /);
    assert.equal(stderr.trim().split('\n').length, 1, `one line: ${stderr}`);
    assert.doesNotMatch(stderr, /\bat |\.ts:\d+|node:internal/);
  });

  it('X4: `node src/main.ts` in production without secrets exits 1 naming what is missing', async () => {
    const { code, stderr } = await run({ NODE_ENV: 'production', DATA_DIR: dir });
    assert.equal(code, 1);
    assert.match(stderr, /ISSUER is required when NODE_ENV=production/);
    assert.doesNotMatch(stderr, /\bat |\.ts:\d+|node:internal/);
  });
});
