// O1, L1, L4: a relying party built with openid-client completes the whole OpenID Connect flow
// against Deadbolt, on embedded stores and on PostgreSQL + Redis.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { ACR_PASSWORD } from '../../src/oidc/acr.ts';
import { Browser, hiddenInputs, textOf } from '../support/browser.ts';
import { isCallback, open, RelyingParty, signInWithPassword, submitPassword } from '../support/rp.ts';
import { RP_CLIENTS, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

for (const mode of STORE_MODES) {
  describe(`OIDC flow (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let rp: RelyingParty;
    const email = 'alice@example.test';
    const password = 'a long and correct password';

    before(async () => {
      server = await startTestServer(mode);
      await server.createUser(email, password, { plan: 'free' });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    it('O1: discovery advertises PKCE S256, acr values, the claims and the endpoints', async () => {
      const meta = rp.config.serverMetadata();
      assert.equal(meta.issuer, server.issuer);
      assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
      assert.ok(meta.acr_values_supported?.includes(ACR_PASSWORD));
      for (const claim of ['acr', 'amr', 'auth_time', 'email'])
        assert.ok(meta.claims_supported?.includes(claim), claim);
      assert.ok(meta.revocation_endpoint && meta.introspection_endpoint && meta.end_session_endpoint);
      const jwks = (await fetch(meta.jwks_uri!).then((r) => r.json())) as { keys: object[] };
      assert.ok(jwks.keys.length > 0 && !('d' in jwks.keys[0]), 'public keys only');
    });

    it('O1, L4: sign-in → code + PKCE → ID token (amr pwd, auth_time, nonce) → userinfo → refresh → revoke → logout', async () => {
      const browser = new Browser();
      const before = Math.floor(Date.now() / 1000);
      const { tokens } = await signInWithPassword(browser, rp, email, password, {
        max_age: '300',
        scope: 'openid email offline_access',
      });
      const claims = tokens.claims()!;
      assert.deepEqual(claims.amr, ['pwd']);
      assert.equal(claims.acr, ACR_PASSWORD);
      assert.ok(typeof claims.auth_time === 'number' && claims.auth_time >= before - 1);

      const info = await client.fetchUserInfo(rp.config, tokens.access_token, claims.sub);
      assert.equal(info.email, email);

      assert.ok(tokens.refresh_token, 'a refresh token is issued to a client that asked and is allowed (I1)');
      const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
      assert.ok(refreshed.access_token && refreshed.access_token !== tokens.access_token);
      assert.deepEqual(refreshed.claims()?.amr, ['pwd']);
      // Rotation: the old refresh token no longer works.
      await assert.rejects(client.refreshTokenGrant(rp.config, tokens.refresh_token!), {
        error: 'invalid_grant',
      });

      await client.tokenRevocation(rp.config, refreshed.access_token);
      const introspected = await client.tokenIntrospection(rp.config, refreshed.access_token);
      assert.equal(introspected.active, false);

      // RP-initiated logout: a hosted confirmation page, then the session is gone.
      const endSession = client.buildEndSessionUrl(rp.config, {
        id_token_hint: refreshed.id_token ?? tokens.id_token!,
        post_logout_redirect_uri: 'http://rp.test/',
      });
      const confirm = await browser.follow(endSession);
      assert.equal(confirm.status, 200);
      assert.match(textOf(confirm.text), /Do you want to sign out/);
      const out = await browser.request(new URL('/session/end/confirm', server.issuer), {
        form: { ...hiddenInputs(confirm.text), logout: 'yes' },
      });
      assert.equal(out.status, 303);
      assert.equal(new URL(out.headers.get('location')!).origin, 'http://rp.test');
      // Signed out: a prompt=none request now fails with login_required.
      const silent = await rp.authorize({ prompt: 'none' });
      const back = await open(browser, silent);
      assert.equal(back.status, 0);
      assert.equal(new URL(back.url).searchParams.get('error'), 'login_required');
    });

    it('O1: a second authorization reuses the session (SSO) without a password', async () => {
      const browser = new Browser();
      await signInWithPassword(browser, rp, email, password);
      const again = await rp.authorize({ prompt: 'none' });
      const page = await open(browser, again);
      assert.equal(page.status, 0, 'straight back to the relying party');
      const tokens = await rp.callback(page.url, again);
      assert.deepEqual(tokens.claims()?.amr, ['pwd']);
    });

    it('consent: a third-party client asks for consent; deny gives access_denied, allow gives a code', async () => {
      const third = RP_CLIENTS[1];
      const rp3 = await RelyingParty.discover(server.issuer, third.client_id, third.client_secret);
      const browser = new Browser();
      let auth = await rp3.authorize({ scope: 'openid email' });
      let page = await submitPassword(browser, await open(browser, auth), email, password);
      assert.equal(page.status, 200);
      assert.match(textOf(page.text), /Third-party app is asking to access your account/);
      const denied = await browser.submit(page, { decision: 'deny' }, /consent$/, isCallback);
      assert.equal(new URL(denied.url).searchParams.get('error'), 'access_denied');

      auth = await rp3.authorize({ scope: 'openid email' });
      page = await open(browser, auth);
      const allowed = await browser.submit(page, { decision: 'allow' }, /consent$/, isCallback);
      const tokens = await rp3.callback(allowed.url, auth);
      assert.equal(tokens.claims()?.sub.length, 36);
    });

    it('L1: a wrong password and an unknown e-mail get the same generic message', async () => {
      const browser = new Browser();
      const auth = await rp.authorize();
      const page = await open(browser, auth);
      const wrong = await submitPassword(browser, page, email, 'not the password');
      const unknown = await submitPassword(browser, page, 'nobody@example.test', 'not the password');
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      const message = 'The e-mail address or password is incorrect.';
      assert.ok(textOf(wrong.text).includes(message));
      assert.ok(textOf(unknown.text).includes(message));
    });

    it('X3: pages in Japanese by Accept-Language, and a switch back to English', async () => {
      const browser = new Browser();
      browser.acceptLanguage = 'ja,en;q=0.5';
      const page = await open(browser, await rp.authorize());
      assert.match(page.text, /<html lang="ja">/);
      assert.ok(textOf(page.text).includes('メールアドレス'));
      assert.match(page.text, /<label for="email">/);
      assert.match(page.text, /<label for="password">/);
      const english = await browser.request(new URL(`${new URL(page.url).pathname}?lang=en`, server.issuer));
      assert.match(english.text, /<html lang="en">/);
      assert.ok(textOf(english.text).includes('E-mail address'));
    });
  });
}
