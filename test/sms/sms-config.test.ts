// S2–S5, X4: the SMS configuration — defaults, validation, and production refusing the
// development providers unless explicitly allowed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateJwks } from '../../src/config/dev-secrets.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { DEFAULT_BLOCKED_COUNTRIES } from '../../src/mfa/sms/phone.ts';

describe('S2–S5 SMS configuration', () => {
  let dir: string;
  let production: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-sms-config-'));
    const jwksFile = join(dir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify(await generateJwks()));
    production = {
      NODE_ENV: 'production',
      DATA_DIR: dir,
      ISSUER: 'https://id.example.com',
      COOKIE_KEYS: randomBytes(32).toString('base64url'),
      JWKS_FILE: jwksFile,
      FACTOR_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64url')}`,
      SMTP_URL: 'smtp://mail.example.com',
      MAIL_FROM: 'no-reply@example.com',
    };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const refused = (env: Record<string, string>, pattern: RegExp) =>
    assert.rejects(
      loadConfig(env),
      (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
    );

  it('X4: development and test default to the outbox, in DATA_DIR or a temporary file for :memory:', async () => {
    const memory = await loadConfig({ NODE_ENV: 'test', DATA_DIR: ':memory:' });
    assert.equal(memory.sms.provider, 'outbox');
    assert.ok(memory.sms.outboxFile.startsWith(tmpdir()), memory.sms.outboxFile);
    assert.match(memory.sms.outboxFile, /sms-outbox-[0-9a-f]+\.jsonl$/);
    const onDisk = await loadConfig({ NODE_ENV: 'development', DATA_DIR: dir });
    assert.equal(onDisk.sms.outboxFile, join(dir, 'sms-outbox.jsonl'));
    assert.deepEqual(onDisk.sms.originators, ['10001', '10002', '10003']);
    assert.deepEqual(onDisk.sms.blockedCountries, [...DEFAULT_BLOCKED_COUNTRIES]);
    assert.equal(onDisk.sms.resendSeconds, 30, 'S3: 30 s between sends');
    assert.equal(onDisk.sms.codeTtlSeconds, 600, 'S4: 10 minutes');
    assert.equal(onDisk.sms.timeoutMs, 10_000);
    const custom = await loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: ':memory:',
      SMS_OUTBOX_FILE: join(dir, 'custom.jsonl'),
      SMS_PROVIDER: 'log',
    });
    assert.equal(custom.sms.outboxFile, join(dir, 'custom.jsonl'));
    assert.equal(custom.sms.provider, 'log');
  });

  it('S5: production refuses SMS_PROVIDER=outbox or log unless SMS_ALLOW_DEV_PROVIDER=true', async () => {
    for (const provider of ['outbox', 'log']) {
      await refused(
        { ...production, SMS_PROVIDER: provider },
        new RegExp(`SMS_PROVIDER=${provider}.*production`),
      );
      const allowed = await loadConfig({
        ...production,
        SMS_PROVIDER: provider,
        SMS_ALLOW_DEV_PROVIDER: 'true',
      });
      assert.equal(allowed.sms.provider, provider);
    }
  });

  it('S5: production defaults to MessageBird, which needs an access key and an originator pool', async () => {
    await refused(production, /SMS_MESSAGEBIRD_ACCESS_KEY is required/);
    await refused({ ...production, SMS_MESSAGEBIRD_ACCESS_KEY: 'live_key' }, /SMS_ORIGINATORS is required/);
    const config = await loadConfig({
      ...production,
      SMS_MESSAGEBIRD_ACCESS_KEY: 'live_key',
      SMS_ORIGINATORS: '12345, 23456,34567',
    });
    assert.equal(config.sms.provider, 'messagebird');
    assert.equal(config.sms.accessKey, 'live_key');
    assert.deepEqual(config.sms.originators, ['12345', '23456', '34567']);
    await refused(
      { NODE_ENV: 'test', DATA_DIR: ':memory:', SMS_PROVIDER: 'messagebird' },
      /SMS_MESSAGEBIRD_ACCESS_KEY is required/,
    );
  });

  it('S2: SMS_BLOCKED_COUNTRIES is an ISO list; "none" blocks nothing; unknown codes are refused', async () => {
    const base = { NODE_ENV: 'test', DATA_DIR: ':memory:' };
    assert.deepEqual(
      (await loadConfig({ ...base, SMS_BLOCKED_COUNTRIES: 'cn, ru ,CN' })).sms.blockedCountries,
      ['CN', 'RU'],
    );
    assert.deepEqual((await loadConfig({ ...base, SMS_BLOCKED_COUNTRIES: 'none' })).sms.blockedCountries, []);
    assert.deepEqual(
      (await loadConfig({ ...base, SMS_BLOCKED_COUNTRIES: ' ' })).sms.blockedCountries,
      [...DEFAULT_BLOCKED_COUNTRIES],
      'an empty value does not silently unblock everything',
    );
    await refused({ ...base, SMS_BLOCKED_COUNTRIES: 'CN,XX' }, /SMS_BLOCKED_COUNTRIES: "XX"/);
    await refused({ ...base, SMS_BLOCKED_COUNTRIES: 'China' }, /SMS_BLOCKED_COUNTRIES/);
  });

  it('X4: out-of-range lifetimes, budgets and bad originators are refused at start', async () => {
    const base = { NODE_ENV: 'test', DATA_DIR: ':memory:' };
    await refused({ ...base, SMS_CODE_TTL_SECONDS: '601' }, /SMS_CODE_TTL_SECONDS/);
    await refused({ ...base, SMS_RESEND_SECONDS: '0' }, /SMS_RESEND_SECONDS/);
    await refused({ ...base, SMS_MAX_SENDS_PER_PHONE: 'many' }, /SMS_MAX_SENDS_PER_PHONE/);
    await refused({ ...base, SMS_ORIGINATORS: 'not a short code!' }, /SMS_ORIGINATORS/);
    await refused({ ...base, SMS_PROVIDER: 'twilio' }, /SMS_PROVIDER/);
  });
});
