// I2: the discovery document advertises exactly what works — each response type, client
// authentication method and claim is used here by openid-client. I3: introspection answers
// `active: true` only to the token's own client or an allowed resource server (RFC 7662 §4).
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { Browser, hiddenInputs } from '../support/browser.ts';
import { isCallback, RelyingParty, signInWithPassword } from '../support/rp.ts';
import { RP_CLIENTS, RP_REDIRECT, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const keys = await generateKeyPair('ES256', { extractable: true });
const confidential = (id: string, extra: object) => ({
  client_id: id,
  redirect_uris: [RP_REDIRECT],
  grant_types: ['authorization_code', 'refresh_token'],
  first_party: true,
  ...extra,
});
const POST_SECRET = 'post-app-secret-0123456789abcdef-0123456789';
const BASIC_SECRET = 'basic-app-secret-0123456789abcdef-01234567';
const RS_SECRET = 'resource-server-secret-0123456789abcdef-01';
const CLIENTS = [
  confidential('basic-app', { client_secret: BASIC_SECRET }),
  confidential('post-app', { client_secret: POST_SECRET, token_endpoint_auth_method: 'client_secret_post' }),
  confidential('jwt-app', {
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256' }] },
  }),
  confidential('resource-server', { client_secret: RS_SECRET, introspection_allowed: true }),
];
const third = RP_CLIENTS[1];

for (const mode of STORE_MODES) {
  describe(`I2, I3: discovery and introspection (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    const email = 'discovery@example.test';
    let rps: Record<string, RelyingParty>;

    before(async () => {
      server = await startTestServer(mode, { clients: CLIENTS });
      await server.createUser(email, PASSWORD, { plan: 'free' });
      const { issuer } = server;
      rps = {
        client_secret_basic: await RelyingParty.discover(issuer, 'basic-app', BASIC_SECRET),
        client_secret_post: await RelyingParty.discover(
          issuer,
          'post-app',
          undefined,
          client.ClientSecretPost(POST_SECRET),
        ),
        private_key_jwt: await RelyingParty.discover(
          issuer,
          'jwt-app',
          undefined,
          client.PrivateKeyJwt(keys.privateKey),
        ),
        none: await RelyingParty.discover(issuer),
      };
    });
    after(() => server?.stop());

    it('I2: discovery lists only the code response type, the four auth methods and grants that work', async () => {
      const meta = rps.none.config.serverMetadata();
      assert.deepEqual(meta.response_types_supported, ['code']);
      assert.deepEqual([...(meta.token_endpoint_auth_methods_supported ?? [])].sort(), [
        'client_secret_basic',
        'client_secret_post',
        'none',
        'private_key_jwt',
      ]);
      assert.ok(!meta.token_endpoint_auth_signing_alg_values_supported?.some((a) => a.startsWith('HS')));
      // client_credentials: the admin API's clients (A1).
      assert.deepEqual([...(meta.grant_types_supported ?? [])].sort(), [
        'authorization_code',
        'client_credentials',
        'refresh_token',
      ]);
    });

    it('I2: every advertised auth method signs in, refreshes and introspects its own token (none with PKCE)', async () => {
      const methods = rps.none.config.serverMetadata().token_endpoint_auth_methods_supported ?? [];
      for (const method of methods) {
        const rp = rps[method];
        assert.ok(rp, `a test client for ${method}`);
        const browser = new Browser();
        const { tokens } = await signInWithPassword(browser, rp, email, PASSWORD);
        assert.ok(tokens.refresh_token, method);
        const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
        const own = await client.tokenIntrospection(rp.config, refreshed.access_token);
        assert.equal(own.active, true, method);
      }
    });

    it('I2: every advertised claim is delivered (sid on request through the claims parameter)', async () => {
      const rp = rps.none;
      const { tokens } = await signInWithPassword(new Browser(), rp, email, PASSWORD, {
        claims: JSON.stringify({ id_token: { sid: null, email: null, email_verified: null } }),
      });
      const claims = tokens.claims() as Record<string, unknown>;
      const info = await client.fetchUserInfo(rp.config, tokens.access_token, String(claims.sub));
      for (const name of rp.config.serverMetadata().claims_supported ?? []) {
        assert.ok(name in claims || name in info, `claim ${name} is delivered`);
      }
    });

    it('I2: every advertised response mode answers with the code (query, fragment, form_post)', async () => {
      const rp = rps.none;
      const browser = new Browser();
      await signInWithPassword(browser, rp, email, PASSWORD);
      for (const mode of rp.config.serverMetadata().response_modes_supported ?? []) {
        const auth = await rp.authorize({ response_mode: mode, prompt: 'none' });
        // form_post: the provider's own self-submitting page, read rather than submitted.
        const page =
          mode === 'form_post' ? await browser.request(auth.url) : await browser.follow(auth.url, isCallback);
        let params: URLSearchParams;
        if (mode === 'form_post') {
          assert.equal(page.status, 200, mode);
          assert.match(page.text, new RegExp(`action="${RP_REDIRECT}"`));
          params = new URLSearchParams(hiddenInputs(page.text));
        } else {
          const url = new URL(page.url);
          params = new URLSearchParams(mode === 'fragment' ? url.hash.slice(1) : url.search);
        }
        assert.ok(params.get('code'), `${mode}: ${page.url}`);
        const tokens = await client.authorizationCodeGrant(rp.config, new URL(`${RP_REDIRECT}?${params}`), {
          pkceCodeVerifier: auth.verifier,
          expectedState: auth.state,
          expectedNonce: auth.nonce,
        });
        assert.ok(tokens.access_token, mode);
      }
    });

    it("I3: a confidential client introspecting another client's token learns nothing; the token's client and an allowed resource server do", async () => {
      const owner = await RelyingParty.discover(server.issuer, third.client_id, third.client_secret);
      const { tokens } = await signInWithPassword(new Browser(), rps.none, email, PASSWORD);
      for (const token of [tokens.access_token, tokens.refresh_token!]) {
        const other = await client.tokenIntrospection(rps.client_secret_post.config, token);
        assert.deepEqual(other, { active: false });
        assert.equal((await client.tokenIntrospection(owner.config, token)).active, false);
        const rs = await RelyingParty.discover(server.issuer, 'resource-server', RS_SECRET);
        const allowed = await client.tokenIntrospection(rs.config, token);
        assert.equal(allowed.active, true);
        assert.equal(allowed.sub, tokens.claims()!.sub);
        assert.equal(allowed.client_id, 'first-party-app');
        const own = await client.tokenIntrospection(rps.none.config, token);
        assert.equal(own.active, true);
      }
    });
  });
}
