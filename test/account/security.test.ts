// M1–M4, T1, CSRF: the security settings page for a signed-in user.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { appCode, backupCodesFromPage, secretFromPage } from '../support/mfa.ts';
import { isCallback, open, RelyingParty } from '../support/rp.ts';
import { RP_CLIENTS, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

for (const mode of STORE_MODES) {
  describe(`Security settings (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    const url = (path: string) => new URL(path, server.issuer);

    before(async () => {
      server = await startTestServer(mode);
    });
    after(() => server?.stop());

    it('M1: no session → sign in first, then back on the page, which lists the methods', async () => {
      await server.createUser('m1@example.test', PASSWORD, { plan: 'free' });
      const browser = new Browser();
      const first = await browser.request(url('/account/security'));
      assert.equal(first.status, 303);
      const page = await accountSignIn(browser, server, 'm1@example.test', PASSWORD);
      assert.equal(new URL(page.url).pathname, '/account/security');
      assert.ok(textOf(page.text).includes('Authenticator app'));
      assert.ok(textOf(page.text).includes('Not set up'));
    });

    it('P5: a password-only session of a user who must use MFA never reaches the settings', async () => {
      const id = await server.createUser('half@example.test', PASSWORD, { plan: 'paid' });
      await giveTotp(server, id);
      const browser = new Browser();
      const rp = await RelyingParty.discover(server.issuer);
      const login = await open(browser, await rp.authorize());
      await browser.submit(login, { email: 'half@example.test', password: PASSWORD }, /\/login$/); // stops at the MFA step
      const res = await browser.request(url('/account/security'));
      assert.equal(res.status, 303);
      assert.match(res.headers.get('location') ?? '', /^\/account\/login/);
    });

    it('T1, T3, M1: adding the app starts with the password, then the QR code; the page then shows it in use with 4 codes', async () => {
      await server.createUser('add@example.test', PASSWORD, { plan: 'free' });
      const browser = new Browser();
      await accountSignIn(browser, server, 'add@example.test', PASSWORD);
      const reauth = await browser.request(url('/account/security/totp'));
      assert.match(reauth.text, /name="password"/, 'password first');
      const wrong = await browser.submit(reauth, { password: 'nope nope nope' }, /reauth$/);
      assert.equal(wrong.status, 401);
      const qr = await browser.submit(reauth, { password: PASSWORD }, /reauth$/);
      const secret = secretFromPage(qr);
      const codesPage = await browser.submit(qr, { code: await appCode(secret) }, /confirm$/);
      assert.equal(backupCodesFromPage(codesPage).length, 4);
      const page = await browser.request(url('/account/security'));
      assert.ok(textOf(page.text).includes('used at sign-in'));
      assert.ok(textOf(page.text).includes('Backup codes left: 4 of 4'));
    });

    it('M2, M4: disabling the app needs proof — a wrong or used code is refused, an unused backup code works; other sessions end', async () => {
      const id = await server.createUser('m2@example.test', PASSWORD, { plan: 'free' });
      const browser = new Browser();
      await accountSignIn(browser, server, 'm2@example.test', PASSWORD);
      const qr = await browser.submit(
        await browser.request(url('/account/security/totp')),
        { password: PASSWORD },
        /reauth$/,
      );
      const secret = secretFromPage(qr);
      const codes = backupCodesFromPage(
        await browser.submit(qr, { code: await appCode(secret) }, /confirm$/),
      );
      const other = new Browser();
      await accountSignIn(other, server, 'm2@example.test', PASSWORD, secret, 1);
      // The same other browser also let a third-party app keep offline access: its refresh token
      // does not expire with the session, so only revoking the grant stops it.
      const third = RP_CLIENTS[1];
      const rp = await RelyingParty.discover(server.issuer, third.client_id, third.client_secret);
      const appAuth = await rp.authorize({ scope: 'openid offline_access', prompt: 'consent' });
      const consent = await open(other, appAuth);
      const appTokens = await rp.callback(
        (await other.submit(consent, { decision: 'allow' }, /consent$/, isCallback)).url,
        appAuth,
      );
      assert.ok(appTokens.refresh_token);

      let page = await browser.request(url('/account/security'));
      const wrong = await browser.submit(
        page,
        { code: '000000' === (await appCode(secret, 1)) ? '111111' : '000000' },
        /disable$/,
      );
      assert.equal(wrong.status, 401);
      assert.ok(textOf(wrong.text).includes('The verification code you entered is incorrect'));
      assert.equal((await server.services.sor.listFactors(id)).length, 5, 'nothing changed');

      page = await browser.request(url('/account/security'));
      const done = await browser.submit(page, { code: codes[1] }, /disable$/);
      assert.equal(done.status, 200);
      assert.ok(textOf(done.text).includes('The method was disabled'));
      assert.equal(
        (await server.services.sor.listFactors(id)).length,
        0,
        'app and backup codes are gone (M4)',
      );
      const events = await server.services.sor.listAudit({ userId: id });
      assert.ok(events.some((e) => e.action === 'factor.disabled' && e.actorUserId === id));
      const elsewhere = await other.request(url('/account/security'));
      assert.equal(elsewhere.status, 303, 'the other session was ended');
      await assert.rejects(
        client.refreshTokenGrant(rp.config, appTokens.refresh_token!),
        { error: 'invalid_grant' },
        'and its tokens revoked',
      );
    });

    it('M3, X7: the last method of a user for whom MFA is mandatory shows why it stays and "Add another method first" up front — no code asked (en, ja)', async () => {
      const id = await server.createUser('m3@example.test', PASSWORD, { plan: 'paid' });
      const secret = await giveTotp(server, id);
      const browser = new Browser();
      const page = await accountSignIn(browser, server, 'm3@example.test', PASSWORD, secret);
      assert.doesNotMatch(
        page.text,
        /action="\/account\/security\/totp\/disable"/,
        'no form that would fail',
      );
      assert.ok(textOf(page.text).includes('Your only method: MFA is required for your account'));
      assert.match(page.text, /<a href="\/account\/security\/sms">Add another method first<\/a>/);
      // A form posted anyway (an old tab) is refused with the same way forward, not a bare error.
      const refused = await browser.request(url('/account/security/totp/disable'), {
        form: { csrf: csrfOf(page), code: await appCode(secret, 0) },
      });
      assert.equal(refused.status, 409);
      assert.match(refused.text, /href="\/account\/security\/sms"[^>]*>Add another method first</);
      assert.match(refused.text, /href="\/account\/security">Back to security settings</);
      assert.equal((await server.services.sor.listFactors(id)).length, 1);
      browser.acceptLanguage = 'ja';
      const ja = await browser.request(url('/account/security'));
      assert.ok(textOf(ja.text).includes('先に別の認証方法を追加する'));
    });

    it('CSRF: a settings form without or with a wrong token is refused and changes nothing', async () => {
      const id = await server.createUser('csrf@example.test', PASSWORD, { plan: 'free' });
      const secret = await giveTotp(server, id);
      const browser = new Browser();
      const page = await accountSignIn(browser, server, 'csrf@example.test', PASSWORD, secret);
      assert.ok(csrfOf(page).length > 20);
      const token = csrfOf(page);
      // The last character changed, never to itself.
      const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      for (const csrf of [undefined, 'x'.repeat(43), tampered]) {
        const form: Record<string, string> = { code: await appCode(secret, 2) };
        if (csrf) form.csrf = csrf;
        const res = await browser.request(url('/account/security/totp/disable'), { form });
        assert.ok(res.status === 403 || res.status === 400, `got ${res.status}`);
      }
      assert.equal((await server.services.sor.listFactors(id)).length, 1);
    });
  });
}
