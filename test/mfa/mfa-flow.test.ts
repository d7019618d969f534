// P4, P5, P6, L2–L4, T1–T3: the MFA step end to end with an openid-client relying party, on
// embedded and real stores.
import assert from 'node:assert/strict';
import { ACR_MFA, ACR_PASSWORD } from '../../src/oidc/acr.ts';
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
import { type Authorization, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

for (const mode of STORE_MODES) {
  describe(`MFA step (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let rp: RelyingParty;

    before(async () => {
      server = await startTestServer(mode);
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    /** Password step of a fresh authorization; returns the page after it. */
    async function passwordStep(browser: Browser, email: string, params: Record<string, string> = {}) {
      const auth = await rp.authorize(params);
      const page = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
      return { auth, page };
    }

    /** A mandatory user enrolls the app during sign-in; returns the secret and backup codes. */
    async function enroll(email: string) {
      const browser = new Browser();
      const { auth, page } = await passwordStep(browser, email);
      assert.ok(isEnrollment(page), 'P5: forced to enroll');
      const secret = secretFromPage(page);
      const codesPage = await browser.submit(page, { code: await appCode(secret) }, /confirm$/);
      const codes = backupCodesFromPage(codesPage);
      const done = await finishFromCodesPage(browser, codesPage);
      const tokens = await rp.callback(done.url, auth);
      return { browser, secret, codes, codesPage, tokens };
    }

    async function callbackOf(page: Page, auth: Authorization) {
      assert.equal(
        page.status,
        0,
        `expected the callback, got ${page.status}: ${textOf(page.text).slice(0, 200)}`,
      );
      return rp.callback(page.url, auth);
    }

    it('P5, T2, T3, L4: a paid-plan user enrolls the app during sign-in, saves 4 codes, gets amr pwd+otp+mfa', async () => {
      await server.createUser('paid1@example.test', PASSWORD, { plan: 'paid' });
      const browser = new Browser();
      const { auth, page } = await passwordStep(browser, 'paid1@example.test');
      assert.ok(isEnrollment(page));
      assert.match(page.text, /<svg[^>]*>/, 'a QR code');
      const secret = secretFromPage(page);
      assert.equal(secret.length, 32, '20-byte base32 secret shown for manual entry');

      const wrong = await browser.submit(
        page,
        { code: (Number(await appCode(secret)) ^ 1).toString().padStart(6, '0') },
        /confirm$/,
      );
      assert.equal(wrong.status, 400);
      assert.ok(textOf(wrong.text).includes('The verification code you entered is incorrect'));
      assert.equal(secretFromPage(wrong), secret, 'a retry keeps the same QR code');

      const codesPage = await browser.submit(wrong, { code: await appCode(secret) }, /confirm$/);
      const codes = backupCodesFromPage(codesPage);
      assert.equal(codes.length, 4);
      for (const c of codes) assert.match(c, /^[0-9a-z]{5}-[0-9a-z]{5}$/);
      assert.match(codesPage.text, /download="backup-codes.txt"/);
      assert.match(codesPage.text, /data-copy="backup-codes"/);

      const tokens = await callbackOf(await finishFromCodesPage(browser, codesPage), auth);
      const claims = tokens.claims()!;
      assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
      assert.equal(claims.acr, ACR_MFA);
    });

    it('T2: "start over" gives a new secret', async () => {
      await server.createUser('restart@example.test', PASSWORD, { plan: 'paid' });
      const browser = new Browser();
      const { page } = await passwordStep(browser, 'restart@example.test');
      const first = secretFromPage(page);
      const again = await browser.submit(page, {}, /restart$/);
      assert.notEqual(secretFromPage(again), first);
    });

    it('T3: the codes are shown once: reloading the interaction or re-posting never shows them again', async () => {
      await server.createUser('once@example.test', PASSWORD, { plan: 'paid' });
      const browser = new Browser();
      const { page } = await passwordStep(browser, 'once@example.test');
      const secret = secretFromPage(page);
      const codesPage = await browser.submit(page, { code: await appCode(secret) }, /confirm$/);
      const codes = backupCodesFromPage(codesPage);
      const reload = await browser.follow(new URL(page.url));
      for (const c of codes) assert.ok(!reload.text.includes(c));
      const repost = await browser.submit(page, { code: await appCode(secret, 1) }, /confirm$/);
      for (const c of codes) assert.ok(!repost.text.includes(c));
      assert.ok(!/id="backup-codes"/.test(repost.text));
    });

    it('P4, L2, T3: later sign-ins ask for the app; a backup code works once and the count goes down', async () => {
      await server.createUser('later@example.test', PASSWORD, { plan: 'paid' });
      const { secret, codes } = await enroll('later@example.test');

      let browser = new Browser();
      let step = await passwordStep(browser, 'later@example.test');
      assert.ok(isMfaChallenge(step.page));
      assert.match(step.page.text, /name="method" value="totp"/, 'L2: the app is asked for');
      assert.ok(textOf(step.page.text).includes('Use a backup code (4 left)'));
      let tokens = await callbackOf(
        await submitCode(browser, step.page, await appCode(secret, 1)),
        step.auth,
      );
      assert.deepEqual(tokens.claims()?.amr, ['pwd', 'otp', 'mfa']);

      browser = new Browser();
      step = await passwordStep(browser, 'later@example.test');
      const backupPage = await browser.follow(
        new URL(`${new URL(step.page.url).pathname}?method=backup_code`, server.issuer),
      );
      assert.match(backupPage.text, /name="method" value="backup_code"/);
      tokens = await callbackOf(await submitCode(browser, backupPage, codes[0].toUpperCase()), step.auth);
      assert.deepEqual(tokens.claims()?.amr, ['pwd', 'backup', 'mfa']);
      assert.equal(tokens.claims()?.acr, ACR_MFA);

      browser = new Browser();
      step = await passwordStep(browser, 'later@example.test');
      assert.ok(textOf(step.page.text).includes('Use a backup code (3 left)'));
      const again = await browser.follow(
        new URL(`${new URL(step.page.url).pathname}?method=backup_code`, server.issuer),
      );
      const reused = await submitCode(browser, again, codes[0]);
      assert.equal(reused.status, 401, 'T3: a used backup code is refused');
      assert.ok(textOf(reused.text).includes('This backup code has already been used'));
    });

    it('P6: acr_values asks an optional user for MFA; without it the same user signs in with a password', async () => {
      await server.createUser('optional@example.test', PASSWORD, { plan: 'free' });
      let browser = new Browser();
      let step = await passwordStep(browser, 'optional@example.test');
      const tokens = await callbackOf(step.page, step.auth);
      assert.deepEqual(tokens.claims()?.amr, ['pwd']);
      assert.equal(tokens.claims()?.acr, ACR_PASSWORD);

      browser = new Browser();
      step = await passwordStep(browser, 'optional@example.test', { acr_values: ACR_MFA });
      assert.ok(isEnrollment(step.page), 'step-up for a user with no method goes through enrollment');
      const secret = secretFromPage(step.page);
      const codesPage = await browser.submit(step.page, { code: await appCode(secret) }, /confirm$/);
      const up = await callbackOf(await finishFromCodesPage(browser, codesPage), step.auth);
      assert.equal(up.claims()?.acr, ACR_MFA);
      assert.deepEqual(up.claims()?.amr, ['pwd', 'otp', 'mfa']);
    });

    it('P6: an essential acr claim (claims parameter) leads an optional user without a method to enrollment, exactly like acr_values', async () => {
      await server.createUser('essential@example.test', PASSWORD, { plan: 'free' });
      const browser = new Browser();
      const claims = JSON.stringify({ id_token: { acr: { essential: true, value: ACR_MFA } } });
      const step = await passwordStep(browser, 'essential@example.test', { claims });
      assert.ok(
        isEnrollment(step.page),
        `enrollment, not ${step.page.status}: ${textOf(step.page.text).slice(0, 120)}`,
      );
      const secret = secretFromPage(step.page);
      const codesPage = await browser.submit(step.page, { code: await appCode(secret) }, /confirm$/);
      const up = await callbackOf(await finishFromCodesPage(browser, codesPage), step.auth);
      assert.equal(up.claims()?.acr, ACR_MFA);
      assert.deepEqual(up.claims()?.amr, ['pwd', 'otp', 'mfa']);
    });

    it('P6: an essential acr that cannot be met ends the request with unmet_authentication_requirements', async () => {
      await server.createUser('unmet@example.test', PASSWORD, { plan: 'free' });
      const browser = new Browser();
      const claims = JSON.stringify({
        id_token: { acr: { essential: true, value: 'urn:example:acr:unknown' } },
      });
      const { page } = await passwordStep(browser, 'unmet@example.test', { claims });
      assert.equal(page.status, 0, 'back at the relying party');
      assert.equal(new URL(page.url).searchParams.get('error'), 'unmet_authentication_requirements');
    });

    it('L4: prompt=login and max_age=0 ask for the password and the second factor again', async () => {
      for (const [i, params] of (
        [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]
      ).entries()) {
        // One user each: a code is accepted once per time step, and a test should not wait 30 s.
        const email = `relogin${i}@example.test`;
        await server.createUser(email, PASSWORD, { plan: 'paid' });
        const { browser, secret } = await enroll(email);
        const auth = await rp.authorize(params);
        const login = await open(browser, auth);
        assert.match(login.text, /name="password"/, 'the password again');
        const challenge = await submitPassword(browser, login, email, PASSWORD);
        assert.ok(isMfaChallenge(challenge), 'the second factor again');
        const tokens = await callbackOf(await submitCode(browser, challenge, await appCode(secret, 1)), auth);
        assert.deepEqual(tokens.claims()?.amr, ['pwd', 'otp', 'mfa']);
        assert.ok(typeof tokens.claims()?.auth_time === 'number');
      }
    });

    it('X3: the wrong-code message in Japanese, from the help article', async () => {
      await server.createUser('ja@example.test', PASSWORD, { plan: 'paid' });
      const { secret } = await enroll('ja@example.test');
      const browser = new Browser();
      browser.acceptLanguage = 'ja';
      const { page } = await passwordStep(browser, 'ja@example.test');
      const wrong = await submitCode(
        browser,
        page,
        '000000' === (await appCode(secret, 1)) ? '111111' : '000000',
      );
      assert.ok(textOf(wrong.text).includes('入力された認証コードが正しくありません'));
      void secret;
    });
  });
}
