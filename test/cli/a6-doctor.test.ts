// A6: `deadbolt doctor` passes a good production configuration and names each bad one, with what
// to fix, exiting 1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateJwks } from '../../src/config/dev-secrets.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { freePort, REDIS_URL } from '../support/server.ts';

const ROOT = new URL('../../', import.meta.url);

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
  fix?: string;
}

describe('A6: deadbolt doctor', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let dir: string;
  let good: Record<string, string>;

  before(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-a6-'));
    await writeFile(join(dir, 'jwks.json'), JSON.stringify(await generateJwks()));
    const jwks = (await generateJwks()) as { keys: Record<string, unknown>[] };
    await writeFile(
      join(dir, 'public.json'),
      JSON.stringify({ keys: jwks.keys.map(({ d: _d, ...pub }) => pub) }),
    );
    good = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      ISSUER: 'https://id.example.test',
      DATA_DIR: dir,
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: `deadbolt-doctor:${randomBytes(4).toString('hex')}:`,
      COOKIE_KEYS: randomBytes(36).toString('base64url'),
      FACTOR_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64url')}`,
      JWKS_FILE: join(dir, 'jwks.json'),
      CLIENTS_FILE: join(dir, 'clients.json'),
      TRUST_PROXY: 'true',
      SMS_PROVIDER: 'messagebird',
      SMS_MESSAGEBIRD_ACCESS_KEY: 'test-access-key',
      SMS_ORIGINATORS: '10001,10002,10003',
      SMTP_URL: 'smtp://mail.example.test:587',
      MAIL_FROM: 'Deadbolt <no-reply@example.test>',
    };
    await writeFile(join(dir, 'clients.json'), '[]');
  });
  after(async () => {
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function doctor(
    env: Record<string, string | undefined>,
    json = true,
  ): Promise<{ code: number; stdout: string; checks: Check[] }> {
    const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['bin/deadbolt.js', 'doctor', ...(json ? ['--json'] : [])],
        { cwd: ROOT, env: clean },
        (err, stdout) => {
          let checks: Check[] = [];
          try {
            checks = JSON.parse(stdout) as Check[];
          } catch {}
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, checks });
        },
      );
    });
  }

  it('A6: a good production configuration passes, with store round trips and clock skew', async () => {
    const r = await doctor(good);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(
      r.checks.filter((c) => c.status !== 'ok'),
      [],
    );
    const byName = Object.fromEntries(r.checks.map((c) => [c.name, c.message]));
    assert.match(byName.database ?? '', /PostgreSQL answers in \d+\.\d ms/);
    assert.match(byName.redis ?? '', /Redis answers in \d+\.\d ms/);
    assert.match(byName.clock ?? '', /differ by -?\d+\.\d\d s/);
    const text = await doctor(good, false);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^ok {4}ISSUER +https:\/\/id\.example\.test$/m);
  });

  it('A6: each bad setting is named with what to fix, and doctor exits 1', async () => {
    const closed = await freePort();
    const cases: Array<[string, Record<string, string | undefined>, string, RegExp]> = [
      ['http issuer', { ISSUER: 'http://id.example.test' }, 'ISSUER', /is not https/],
      ['short cookie key', { COOKIE_KEYS: 'short-key' }, 'COOKIE_KEYS', /weak: a key of 9 characters/],
      ['low-entropy cookie key', { COOKIE_KEYS: 'a'.repeat(40) }, 'COOKIE_KEYS', /fewer than 16 distinct/],
      ['no factor keys', { FACTOR_ENCRYPTION_KEYS: undefined }, 'FACTOR_ENCRYPTION_KEYS', /not set/],
      [
        'bad factor key',
        { FACTOR_ENCRYPTION_KEYS: 'k1:dG9vLXNob3J0' },
        'FACTOR_ENCRYPTION_KEYS',
        /not kid:<32 bytes/,
      ],
      ['no JWKS', { JWKS_FILE: undefined }, 'JWKS_FILE', /not set: no signing keys/],
      ['public JWKS', { JWKS_FILE: join(dir, 'public.json') }, 'JWKS_FILE', /without its private part/],
      ['proxy headers off', { TRUST_PROXY: 'false' }, 'TRUST_PROXY', /off, but the https ISSUER/],
      [
        'dev SMS',
        { SMS_PROVIDER: 'outbox', SMS_ALLOW_DEV_PROVIDER: 'true' },
        'SMS_PROVIDER',
        /sends no real SMS/,
      ],
      ['no SMTP', { SMTP_URL: undefined }, 'MAIL_PROVIDER', /without SMTP_URL or MAIL_FROM/],
      [
        'database down',
        { DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/x` },
        'database',
        /unreachable/,
      ],
      ['redis down', { REDIS_URL: `redis://127.0.0.1:${closed}` }, 'redis', /unreachable/],
    ];
    const runs = await Promise.all(cases.map(([, patch]) => doctor({ ...good, ...patch })));
    cases.forEach(([label, , name, message], i) => {
      const r = runs[i] as Awaited<ReturnType<typeof doctor>>;
      assert.equal(r.code, 1, `${label}: exit 1\n${r.stdout}`);
      const check = r.checks.find((c) => c.name === name && c.status === 'fail');
      assert.ok(check, `${label}: ${name} fails\n${r.stdout}`);
      assert.match(check.message, message, label);
      assert.ok(check.fix && check.fix.length > 10, `${label}: says what to fix`);
    });
  });
});
