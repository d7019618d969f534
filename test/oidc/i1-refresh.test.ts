// I1, I7: refresh tokens with real client libraries (openid-client, and a hand-built client that
// re-sends its original scope and authenticates with client_secret_post), on both store modes.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { REFUSAL } from '../../src/oidc/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { isCallback, open, RelyingParty, signInWithPassword, submitPassword } from '../support/rp.ts';
import { RP_CLIENTS, RP_REDIRECT, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const ORIGINAL_SCOPE = 'openid email offline_access';
const POST_CLIENT = {
  client_id: 'post-app',
  client_name: 'Post app',
  client_secret: 'post-app-secret-0123456789abcdef-0123456789',
  token_endpoint_auth_method: 'client_secret_post',
  redirect_uris: [RP_REDIRECT],
  grant_types: ['authorization_code', 'refresh_token'],
  first_party: true,
};
const NO_REFRESH_CLIENT = {
  client_id: 'no-refresh-app',
  redirect_uris: [RP_REDIRECT],
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code'],
  first_party: true,
};

for (const mode of STORE_MODES) {
  describe(`I1, I7: refresh tokens (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let rp: RelyingParty;
    let n = 0;
    const newUser = async () => {
      n += 1;
      const email = `rp${n}@example.test`;
      return { email, id: await server.createUser(email, PASSWORD, { plan: 'free' }) };
    };

    before(async () => {
      server = await startTestServer(mode, { clients: [POST_CLIENT, NO_REFRESH_CLIENT] });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    it('I1: a first-party client asking for offline_access (no prompt=consent) gets it, and a refresh re-sending the original scope works', async () => {
      const { email } = await newUser();
      const { tokens } = await signInWithPassword(new Browser(), rp, email, PASSWORD, {
        scope: ORIGINAL_SCOPE,
      });
      assert.deepEqual(tokens.scope?.split(' ').sort(), ['email', 'offline_access', 'openid']);
      assert.ok(tokens.refresh_token, 'a refresh token');
      const again = await client.refreshTokenGrant(rp.config, tokens.refresh_token!, {
        scope: ORIGINAL_SCOPE,
      });
      assert.ok(again.access_token && again.refresh_token);
      // A scope the grant never had (profile is not offered) is left out, not refused.
      const more = await client.refreshTokenGrant(rp.config, again.refresh_token!, {
        scope: `${ORIGINAL_SCOPE} profile`,
      });
      assert.deepEqual(more.scope?.split(' ').sort(), ['email', 'offline_access', 'openid']);
      const info = await client.fetchUserInfo(rp.config, more.access_token, tokens.claims()!.sub);
      assert.equal(info.email, email);
    });

    it('I1: no refresh token on a plain code exchange, nor for a client not allowed the grant; asking later in the same session gets one without a page', async () => {
      const { email } = await newUser();
      const browser = new Browser();
      const plain = await signInWithPassword(browser, rp, email, PASSWORD, { scope: 'openid email' });
      assert.equal(plain.tokens.refresh_token, undefined);
      const later = await rp.authorize({ scope: ORIGINAL_SCOPE });
      const back = await open(browser, later);
      assert.equal(back.status, 0, textOf(back.text).slice(0, 200));
      assert.ok((await rp.callback(back.url, later)).refresh_token);
      const noRefresh = await RelyingParty.discover(server.issuer, NO_REFRESH_CLIENT.client_id);
      const asked = await signInWithPassword(new Browser(), noRefresh, email, PASSWORD, {
        scope: ORIGINAL_SCOPE,
      });
      assert.equal(asked.tokens.refresh_token, undefined);
      assert.equal(asked.tokens.scope, 'openid email');
    });

    it('I1: a third-party client gets offline_access after its consent page lists it; refresh with the original scope works', async () => {
      const { email } = await newUser();
      const third = RP_CLIENTS[1];
      const rp3 = await RelyingParty.discover(server.issuer, third.client_id, third.client_secret);
      const browser = new Browser();
      const auth = await rp3.authorize({ scope: ORIGINAL_SCOPE });
      const consent = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
      assert.match(textOf(consent.text), /Access while you are not using the app/);
      const done = await browser.submit(consent, { decision: 'allow' }, /consent$/, isCallback);
      const tokens = await rp3.callback(done.url, auth);
      assert.ok(tokens.refresh_token);
      const again = await client.refreshTokenGrant(rp3.config, tokens.refresh_token!, {
        scope: ORIGINAL_SCOPE,
      });
      assert.ok(again.refresh_token);
      // Silent renewal still works: prompt=none, consent remembered with the grant.
      const silent = await rp3.authorize({ scope: ORIGINAL_SCOPE, prompt: 'none' });
      const back = await open(browser, silent);
      assert.equal(back.status, 0);
      assert.ok((await rp3.callback(back.url, silent)).refresh_token);
    });

    it('I1: an independent client (hand-built HTTP, client_secret_post) re-sends its original scope on every refresh', async () => {
      const { email } = await newUser();
      const post = await RelyingParty.discover(
        server.issuer,
        POST_CLIENT.client_id,
        undefined,
        client.ClientSecretPost(POST_CLIENT.client_secret),
      );
      const browser = new Browser();
      const auth = await post.authorize({ scope: ORIGINAL_SCOPE });
      const done = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
      const code = new URL(done.url).searchParams.get('code')!;
      const token = (form: Record<string, string>) =>
        fetch(new URL('/token', server.issuer), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            ...form,
            client_id: POST_CLIENT.client_id,
            client_secret: POST_CLIENT.client_secret,
          }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> }));
      let res = await token({
        grant_type: 'authorization_code',
        code,
        redirect_uri: RP_REDIRECT,
        code_verifier: auth.verifier,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      for (let i = 0; i < 3; i += 1) {
        res = await token({
          grant_type: 'refresh_token',
          refresh_token: res.body.refresh_token,
          scope: ORIGINAL_SCOPE,
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.ok(res.body.access_token && res.body.refresh_token && res.body.id_token);
      }
    });

    it('I7: a refresh refused because the policy now requires MFA says so in error_description', async () => {
      const { email, id } = await newUser();
      const { tokens } = await signInWithPassword(new Browser(), rp, email, PASSWORD);
      const [membership] = await server.services.sor.listMembershipsOfUser(id);
      await server.services.sor.updateOrg(membership.orgId, { plan: 'paid' });
      await assert.rejects(client.refreshTokenGrant(rp.config, tokens.refresh_token!), {
        error: 'invalid_grant',
        error_description: REFUSAL.mfaRequired,
      });
    });

    it("I7: a code or refresh token of a sign-in ended by a reset (V3) says the user's sessions were ended", async () => {
      const { email, id } = await newUser();
      const { tokens } = await signInWithPassword(new Browser(), rp, email, PASSWORD);
      // The reset's epoch (src/core/sessions.ts), as seen by a token minted by a request racing it.
      await server.services.sor.revokeSessionsBefore(id, Math.floor(Date.now() / 1000) + 1);
      await assert.rejects(client.refreshTokenGrant(rp.config, tokens.refresh_token!), {
        error: 'invalid_grant',
        error_description: REFUSAL.sessionsEnded,
      });
    });
  });
}
