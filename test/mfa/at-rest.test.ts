// T1 and T4: re-authentication freshness during enrollment, and nothing secret stored in the clear.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { base32Decode } from '../support/base32.ts';
import { Browser, textOf } from '../support/browser.ts';
import { dumpDatabase, dumpRedis } from '../support/dump.ts';
import { appCode, backupCodesFromPage, isEnrollment, secretFromPage } from '../support/mfa.ts';
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
