// T1 and T4: re-authentication freshness during enrollment, and nothing secret stored in the clear.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as client from 'openid-client';
import { base32Decode } from '../support/base32.ts';
import { Browser, textOf } from '../support/browser.ts';
import { dumpDatabase, dumpRedis } from '../support/dump.ts';
import {
  appCode,
  backupCodesFromPage,
  finishFromCodesPage,
  isEnrollment,
  secretFromPage,
} from '../support/mfa.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

for (const mode of STORE_MODES) {
  describe(`MFA secrets at rest and re-authentication (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let rp: RelyingParty;

    before(async () => {
      server = await startTestServer(mode, { env: { REAUTH_WINDOW_SECONDS: '1' } });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    it('T1: after the re-authentication window the code step sends the person back to the password, then on', async () => {
      await server.createUser('slow@example.test', PASSWORD, { plan: 'paid' });
      const browser = new Browser();
      browser.acceptLanguage = 'ja';
      const page = await submitPassword(
        browser,
        await open(browser, await rp.authorize()),
        'slow@example.test',
        PASSWORD,
      );
      assert.ok(isEnrollment(page));
      await sleep(2100);
      const secret = secretFromPage(page);
      const stale = await browser.submit(page, { code: await appCode(secret) }, /confirm$/);
      assert.equal(stale.status, 401);
      assert.ok(textOf(stale.text).includes('再認証が必要です。パスワードを入力後、もう一度お試しください'));
      assert.match(stale.text, /name="password"/);
      const wrong = await browser.submit(stale, { password: 'wrong password' }, /reauth$/);
      assert.equal(wrong.status, 401);
      const fresh = await browser.submit(stale, { password: PASSWORD }, /reauth$/);
      assert.ok(isEnrollment(fresh), 'back to the QR code');
      const codes = await browser.submit(fresh, { code: await appCode(secretFromPage(fresh)) }, /confirm$/);
      assert.equal(backupCodesFromPage(codes).length, 4);
    });

    it('T4: after enrollment no row and no key holds the TOTP secret or a backup code in the clear', async () => {
      await server.createUser('dump@example.test', PASSWORD, { plan: 'paid' });
      const browser = new Browser();
      const page = await submitPassword(
        browser,
        await open(browser, await rp.authorize()),
        'dump@example.test',
        PASSWORD,
      );
      const secret = secretFromPage(page);
      const codesPage = await browser.submit(page, { code: await appCode(secret) }, /confirm$/);
      const codes = backupCodesFromPage(codesPage);
      const raw = base32Decode(secret);
      const needles = [
        secret,
        secret.toLowerCase(),
        raw.toString('hex'),
        raw.toString('base64'),
        raw.toString('base64url'),
        ...codes,
        ...codes.map((c) => c.replace('-', '')),
      ];
      const dumps = [await dumpDatabase(server.services.sor)];
      if (mode === 'real')
        dumps.push(await dumpRedis(server.services.config.redisUrl!, server.services.config.redisKeyPrefix));
      const all = dumps.join('\n');
      assert.ok(all.includes('dump@example.test'), 'the dump does contain the user');
      assert.ok(/"type":"totp"/.test(all) || /totp/.test(all), 'and the factor rows');
      for (const needle of needles)
        assert.ok(!all.includes(needle), `found ${needle.slice(0, 4)}… in the dump`);
    });
  });
}

describe('V8: no token, code, secret or password in the ephemeral store or the logs (PostgreSQL + Redis)', function () {
  this.timeout(60_000);
  let server: TestServer;

  before(async () => {
    server = await startTestServer('real', { captureLogs: true });
  });
  after(() => server?.stop());

  it('V8: after sign-in, code exchange and refresh, neither Redis nor the log lines hold the code, the tokens, the app secret, the app code or the password', async () => {
    const rp = await RelyingParty.discover(server.issuer);
    await server.createUser('v8@example.test', PASSWORD, { plan: 'paid' });
    const browser = new Browser();
    const auth = await rp.authorize({ scope: 'openid email offline_access' });
    const page = await submitPassword(browser, await open(browser, auth), 'v8@example.test', PASSWORD);
    assert.ok(isEnrollment(page));
    const secret = secretFromPage(page);
    const code = await appCode(secret);
    const codesPage = await browser.submit(page, { code }, /confirm$/);
    const done = await finishFromCodesPage(browser, codesPage);
    const authorizationCode = new URL(done.url).searchParams.get('code')!;
    const tokens = await rp.callback(done.url, auth);
    assert.ok(tokens.refresh_token, 'offline access');
    const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
    const dump = await dumpRedis(server.services.config.redisUrl!, server.services.config.redisKeyPrefix);
    assert.ok(dump.includes('oidc:RefreshToken:'), 'the dump does hold the refresh tokens');
    const needles = {
      'authorization code': authorizationCode,
      'access token': tokens.access_token,
      'refresh token': tokens.refresh_token!,
      'rotated access token': refreshed.access_token,
      'rotated refresh token': refreshed.refresh_token!,
      'app secret': secret,
      password: PASSWORD,
    };
    for (const [what, value] of Object.entries(needles))
      assert.ok(!dump.includes(value), `the ${what} is in Redis`);
    const logs = server.logs();
    assert.ok(logs.length > 0, 'there are log lines');
    for (const [what, value] of Object.entries({ ...needles, 'app code': `"${code}"` }))
      assert.ok(!logs.includes(value), `the ${what} is in the logs`);
  });
});
