// I8: consent to a third-party client is remembered per user and client across browser sessions,
// listed on the security page ("Apps with access") and revocable there: revoking kills that
// client's refresh token and the next sign-in asks again; another user's consent is untouched.
// openid-client is the relying party.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { accountSignIn, csrfOf } from '../support/account.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { isCallback, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { RP_CLIENTS, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const isConsent = (page: Page) => page.status === 200 && /action="[^"]*\/consent"/.test(page.text);

for (const mode of STORE_MODES) {
  describe(`I8: consent remembered and revocable (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    let third: RelyingParty;
    let n = 0;

    before(async () => {
      server = await startTestServer(mode);
      third = await RelyingParty.discover(
        server.issuer,
        RP_CLIENTS[1].client_id,
        RP_CLIENTS[1].client_secret,
      );
    });
    after(() => server?.stop());

    /** Signs in to the third-party client in a new browser; allows consent if asked. */
    async function signIn(email: string, params: Record<string, string> = {}) {
      const browser = new Browser();
      const auth = await third.authorize(params);
      let page = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
      const asked = isConsent(page);
      if (asked) page = await browser.submit(page, { decision: 'allow' }, /consent$/, isCallback);
      assert.equal(page.status, 0, textOf(page.text).slice(0, 200));
      return { asked, tokens: await third.callback(page.url, auth) };
    }

    async function user() {
      const email = `user${++n}@example.test`;
      await server.createUser(email, PASSWORD);
      return email;
    }

    const offline = { scope: 'openid email offline_access', prompt: 'consent' };

    it('I8: consent given in browser A is not asked again in a new browser B for the same client and scopes', async () => {
      const email = await user();
      const a = await signIn(email, offline);
      assert.ok(a.asked, 'the first sign-in asks');
      const b = await signIn(email);
      assert.equal(b.asked, false, 'a new browser session is not asked again');
      const info = await client.fetchUserInfo(third.config, b.tokens.access_token, b.tokens.claims()!.sub);
      assert.equal(info.email, email, 'the remembered consent covers email');
      const more = await signIn(email, { scope: 'openid email' });
      assert.equal(more.asked, false);
    });

    it('I8: "Revoke" on the security page kills the refresh token, the next sign-in asks again; another user is unaffected', async () => {
      const email = await user();
      const other = await user();
      const mine = await signIn(email, offline);
      const theirs = await signIn(other, offline);
      assert.ok(mine.tokens.refresh_token && theirs.tokens.refresh_token);

      const settings = new Browser();
      const page = await accountSignIn(settings, server, email, PASSWORD);
      const text = textOf(page.text);
      assert.match(text, /Apps with access/);
      assert.match(text, /Third-party app/);
      assert.match(text, /openid email offline_access/);
      const res = await settings.request(new URL('/account/security/apps/revoke', server.issuer), {
        form: { csrf: csrfOf(page), client_id: RP_CLIENTS[1].client_id },
      });
      assert.equal(res.status, 200);
      assert.match(textOf(res.text), /Access revoked/);
      assert.doesNotMatch(textOf(res.text), /Third-party app/);

      await assert.rejects(client.refreshTokenGrant(third.config, mine.tokens.refresh_token!), {
        error: 'invalid_grant',
      });
      const again = await signIn(email);
      assert.ok(again.asked, 'consent is asked again after the revocation');

      const still = await client.refreshTokenGrant(third.config, theirs.tokens.refresh_token!);
      assert.ok(still.access_token, "the other user's refresh token still works");
      assert.equal((await signIn(other)).asked, false, "the other user's consent is remembered");
    });

    it('I8: a revoke without a valid CSRF token changes nothing (403)', async () => {
      const email = await user();
      await signIn(email, offline);
      const settings = new Browser();
      await accountSignIn(settings, server, email, PASSWORD);
      const res = await settings.request(new URL('/account/security/apps/revoke', server.issuer), {
        form: { csrf: 'forged', client_id: RP_CLIENTS[1].client_id },
      });
      assert.equal(res.status, 403);
      assert.equal((await signIn(email)).asked, false);
    });
  });
}
