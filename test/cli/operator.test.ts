// R2, R3, T4: the operator CLI (`node bin/deadbolt.js …` as a child process) against a real
// PostgreSQL database and Redis shared with a running server, as an operator would use it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { open as openSealed, parseSealingKeys, seal } from '../../src/crypto/sealed.ts';
import { totpAad } from '../../src/mfa/totp/factor.ts';
import { ssoAad } from '../../src/sso/settings.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import {
  appCode,
  backupCodesFromPage,
  finishFromCodesPage,
  isEnrollment,
  isMfaChallenge,
  secretFromPage,
  submitCode,
} from '../support/mfa.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { isCallback, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { REDIS_URL, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const KEY_A = `a2024:${Buffer.alloc(32, 0xa1).toString('base64url')}`;
const KEY_C = `c2024:${Buffer.alloc(32, 0xc3).toString('base64url')}`;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('Operator CLI: MFA reset, audit export, key rotation (R2, R3, T4)', function () {
  this.timeout(90_000);
  let db: TestDatabase;
  let dataDir: string;
  let server: TestServer;
  let rp: RelyingParty;

  before(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'deadbolt-cli-'));
    server = await startTestServer('real', {
      env: { DATABASE_URL: db.url, FACTOR_ENCRYPTION_KEYS: KEY_A },
    });
    rp = await RelyingParty.discover(server.issuer);
  });
  after(async () => {
    await server?.stop();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Runs the CLI like an operator on the server's host: same database, Redis and keys. */
  function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
    const base: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: server.services.config.redisKeyPrefix,
      FACTOR_ENCRYPTION_KEYS: KEY_A,
      LOG_LEVEL: 'silent',
    };
    const merged = Object.fromEntries(
      Object.entries({ ...base, ...env }).filter((e): e is [string, string] => e[1] !== undefined),
    );
    return new Promise((resolve) => {
      execFile(process.execPath, ['bin/deadbolt.js', ...args], { env: merged }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** A paid-plan user signs in and enrolls the app; returns the browser (signed in) and the secret. */
  async function enrolledUser(email: string) {
    await server.createUser(email, PASSWORD, { plan: 'paid' });
    const browser = new Browser();
    const auth = await rp.authorize();
    const page = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
    assert.ok(isEnrollment(page), 'P5: forced to enroll');
    const secret = secretFromPage(page);
    const codes = await browser.submit(page, { code: await appCode(secret) }, /confirm$/);
    assert.equal(backupCodesFromPage(codes).length, 4);
    const done = await finishFromCodesPage(browser, codes);
    await rp.callback(done.url, auth);
    const user = await server.services.sor.findUserByEmail(email);
    return { browser, secret, userId: user!.id };
  }

  /** prompt=none: a live session gets a code; an ended one gets login_required. */
  async function silentSignIn(browser: Browser) {
    const page = await open(browser, await rp.authorize({ prompt: 'none' }));
    assert.equal(page.status, 0, 'prompt=none never shows a page');
    return new URL(page.url).searchParams;
  }

  const resetArgs = (user: string) => [
    'mfa',
    'reset',
    '--user',
    user,
    '--operator',
    'alice',
    '--reason',
    'ticket 4711: lost phone, identity checked by video call',
    '--identity-verified',
  ];
  const without = (args: string[], flag: string) => {
    const i = args.indexOf(flag);
    return flag === '--identity-verified' ? args.filter((a) => a !== flag) : args.toSpliced(i, 2);
  };

  it('R2: without --identity-verified, --reason or --operator the reset is refused and nothing changes', async () => {
    const { browser, userId } = await enrolledUser('careful@example.test');
    const before = await server.services.sor.listFactors(userId);
    assert.equal(before.length, 5, 'the app and 4 backup codes');
    for (const flag of ['--identity-verified', '--reason', '--operator']) {
      const res = await cli(without(resetArgs('careful@example.test'), flag));
      assert.notEqual(res.code, 0, `refused without ${flag}`);
      assert.match(res.stderr, new RegExp(flag.slice(2)), 'the message names what is missing');
      assert.equal(res.stdout, '');
    }
    assert.deepEqual(
      (await server.services.sor.listFactors(userId)).map((f) => f.id),
      before.map((f) => f.id),
    );
    const events = await server.services.sor.listAudit({ userId });
    assert.ok(!events.some((e) => e.action === 'mfa.reset'), 'no reset recorded');
    assert.ok((await silentSignIn(browser)).get('code'), 'the session still works');
  });

  it('R2: an unknown user is refused', async () => {
    const res = await cli(resetArgs('nobody@example.test'));
    assert.equal(res.code, 2);
    assert.match(res.stderr, /no user nobody@example\.test/);
  });

  it('R2, R3: the reset removes every factor, records operator and reason, ends the session; the next sign-in enrolls again', async () => {
    const { browser, userId } = await enrolledUser('Locked.Owner@example.test');
    assert.ok((await silentSignIn(browser)).get('code'), 'signed in before the reset');

    const res = await cli(resetArgs('locked.owner@example.test'));
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    assert.equal(out.userId, userId);
    assert.equal(out.removedFactors, 5);
    assert.equal(out.sessionsEnded, 1);
    assert.deepEqual(await server.services.sor.listFactors(userId), []);

    const [event] = (await server.services.sor.listAudit({ userId })).filter((e) => e.action === 'mfa.reset');
    assert.ok(event, 'an mfa.reset audit event');
    assert.equal(event.actorUserId, null);
    assert.equal(event.actorLabel, 'operator:alice');
    assert.equal(event.targetUserId, userId);
    assert.deepEqual(event.details, {
      reason: 'ticket 4711: lost phone, identity checked by video call',
      removed: { totp: 1, backup_code: 4 },
      via: 'cli',
    });

    const silent = await silentSignIn(browser);
    assert.equal(silent.get('error'), 'login_required', 'the old session no longer signs in');
    assert.equal(silent.get('code'), null);

    const auth = await rp.authorize();
    const login = await open(browser, auth);
    assert.match(login.text, /name="password"/, 'asked for the password');
    const page = await submitPassword(browser, login, 'locked.owner@example.test', PASSWORD);
    assert.ok(isEnrollment(page), 'R1/P5: a paid-plan member enrolls again');
    const codes = await browser.submit(page, { code: await appCode(secretFromPage(page)) }, /confirm$/);
    const tokens = await rp.callback((await finishFromCodesPage(browser, codes)).url, auth);
    assert.deepEqual(tokens.claims()?.amr, ['pwd', 'otp', 'mfa']);
  });

  it('R2: without REDIS_URL the output says the sessions could not be reached', async () => {
    const { userId } = await enrolledUser('memory@example.test');
    const res = await cli(resetArgs(userId), { REDIS_URL: undefined });
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    assert.equal(out.removedFactors, 5);
    assert.equal(out.sessionsEnded, null);
    assert.match(out.note, /REDIS_URL is not set/);
  });

  it('R3: audit export prints one JSON event per line, oldest first, filtered by user and limited', async () => {
    const res = await cli(['audit', 'export', '--user', 'locked.owner@example.test']);
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.trimEnd().split('\n');
    const events = lines.map((l) => JSON.parse(l));
    const owner = await server.services.sor.findUserByEmail('locked.owner@example.test');
    assert.ok(
      events.every((e) => e.targetUserId === owner!.id),
      'only that user',
    );
    assert.deepEqual(
      events.map((e) => e.action),
      ['factor.enrolled', 'mfa.reset', 'factor.enrolled'],
      'enrolled, reset by support, enrolled again — in that order',
    );
    const reset = events[1];
    assert.equal(reset.actorLabel, 'operator:alice');
    assert.equal(reset.details.reason, 'ticket 4711: lost phone, identity checked by video call');
    assert.ok(Date.parse(events[0].at) <= Date.parse(reset.at));

    const all = await cli(['audit', 'export']);
    const allEvents = all.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(allEvents.length > events.length, 'unfiltered: every user');
    assert.equal(allEvents.filter((e) => e.action === 'mfa.reset').length, 2);

    const last = await cli(['audit', 'export', '--limit', '1']);
    assert.deepEqual(JSON.parse(last.stdout), allEvents.at(-1), '--limit keeps the most recent');
    assert.equal((await cli(['audit', 'export', '--limit', 'ten'])).code, 2);
  });

  it('V3, R2: the CLI reset goes through the same code path as the pages: refresh tokens die too, a logged-out offline one included', async () => {
    const { browser } = await enrolledUser('offline.owner@example.test');
    const auth = await rp.authorize({ scope: 'openid offline_access', prompt: 'none' });
    const done = await open(browser, auth);
    const tokens = await rp.callback(done.url, auth);
    assert.ok(tokens.refresh_token, 'offline access');
    // Signed out of the browser session: only the offline grant is left.
    for (const [key, cookie] of browser.jar) if (cookie.name.startsWith('_session')) browser.jar.delete(key);
    const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);

    const res = await cli(resetArgs('offline.owner@example.test'));
    assert.equal(res.code, 0, res.stderr);
    assert.ok(JSON.parse(res.stdout).grantsRevoked >= 1, 'the output counts the grants it revoked');
    await assert.rejects(client.refreshTokenGrant(rp.config, refreshed.refresh_token!), {
      error: 'invalid_grant',
    });
  });

  it('T4: keys rotate re-encrypts every secret under the new key; a server with only the new key accepts the app code', async () => {
    const generated = await cli(['keys', 'generate']);
    assert.equal(generated.code, 0, generated.stderr);
    const { kid: kidB, entry: KEY_B } = JSON.parse(generated.stdout);
    const keysB = parseSealingKeys(KEY_B);
    assert.equal(keysB.current, kidB);
    assert.notEqual(
      JSON.parse((await cli(['keys', 'generate'])).stdout).entry,
      KEY_B,
      'a fresh key each time',
    );

    const { secret, userId } = await enrolledUser('rotate@example.test');
    const { sor } = server.services;
    // A row that no configured key opens (sealed under an unknown key): reported, left unchanged.
    const other = await server.createUser('broken@example.test', PASSWORD);
    const bad = seal(parseSealingKeys(KEY_C), 'JBSWY3DPEHPK3PXP', totpAad(other));
    const broken = await sor.insertFactor({ userId: other, type: 'totp', secretEnc: bad });
    const sealedRows = async () => (await sor.listFactorsWithSecrets()).filter((f) => f.secretEnc);
    // An SSO connection's client secret is sealed with the same keys and must move too (F1).
    const ssoOrg = await sor.createOrg({ name: 'SSO org', plan: 'paid' });
    await sor.updateOrg(ssoOrg.id, {
      sso: {
        issuer: 'https://idp.example.test',
        clientId: 'deadbolt',
        clientSecretEnc: seal(parseSealingKeys(KEY_A), 'upstream-client-secret', ssoAad(ssoOrg.id)),
        scopes: 'openid email',
        domains: ['example.test'],
        trustUpstreamMfaOnly: false,
      },
    });
    // + the SSO secret, + the relying-party client secrets (A2: sealed in the clients table).
    const count =
      (await sealedRows()).length + 1 + (await sor.listClients()).filter((c) => c.secretEnc).length;

    const first = await cli(['keys', 'rotate'], { FACTOR_ENCRYPTION_KEYS: `${KEY_B},${KEY_A}` });
    assert.equal(first.code, 1, 'non-zero exit when a row failed');
    const report = JSON.parse(first.stdout);
    assert.equal(report.currentKid, kidB);
    assert.deepEqual(
      { rotated: report.rotated, alreadyCurrent: report.alreadyCurrent, failed: report.failed },
      { rotated: count - 1, alreadyCurrent: 0, failed: 1 },
    );
    assert.deepEqual(report.failures, [
      { factorId: broken.id, userId: other, type: 'totp', error: 'unknown_kid' },
    ]);
    for (const row of await sealedRows()) {
      if (row.id === broken.id) assert.equal(row.secretEnc, bad, 'the failed row is unchanged');
      else assert.ok(row.secretEnc!.startsWith(`v1.${kidB}.`), 'now under key B');
    }
    const ssoSecret = (await sor.findOrgById(ssoOrg.id))?.sso?.clientSecretEnc ?? '';
    assert.ok(ssoSecret.startsWith(`v1.${kidB}.`), 'the SSO client secret too');
    assert.equal(openSealed(keysB, ssoSecret, ssoAad(ssoOrg.id)), 'upstream-client-secret');
    assert.ok(!first.stdout.includes(secret), 'no secret in the output');

    await sor.deleteFactor(broken.id);
    const again = await cli(['keys', 'rotate'], { FACTOR_ENCRYPTION_KEYS: `${KEY_B},${KEY_A}` });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), {
      currentKid: kidB,
      rotated: 0,
      alreadyCurrent: count - 1,
      failed: 0,
      failures: [],
    });

    const [totp] = (await sor.listFactors(userId)).filter((f) => f.type === 'totp');
    assert.throws(
      () => openSealed(parseSealingKeys(KEY_A), totp.secretEnc!, totpAad(userId)),
      /unknown key id/,
      'key A alone no longer opens the secret',
    );
    const serverB = await startTestServer('real', {
      env: { DATABASE_URL: db.url, FACTOR_ENCRYPTION_KEYS: KEY_B },
    });
    try {
      const rpB = await RelyingParty.discover(serverB.issuer);
      const browser = new Browser();
      const auth = await rpB.authorize();
      const challenge: Page = await submitPassword(
        browser,
        await open(browser, auth),
        'rotate@example.test',
        PASSWORD,
      );
      assert.ok(isMfaChallenge(challenge), `asked for the app code: ${textOf(challenge.text).slice(0, 200)}`);
      const done = await submitCode(browser, challenge, await appCode(secret, 1));
      assert.ok(isCallback(new URL(done.url)), 'signed in with the app code');
      const tokens = await rpB.callback(done.url, auth);
      assert.deepEqual(tokens.claims()?.amr, ['pwd', 'otp', 'mfa']);
    } finally {
      await serverB.stop();
    }
  });
});
