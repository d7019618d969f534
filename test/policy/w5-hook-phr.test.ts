// W5, P3: a host's policy hook requires a phishing-resistant method (acr phr) for one client, by
// asking the default hook as if that relying party had asked for phr (README "The policy hook").
// With the app only, the sign-in adds a passkey; with app and passkey only the passkey is offered;
// a session that did the app (acr mfa) is asked again for that client; the code exchange and the
// refresh grant re-check the hook and pass with the passkey's acr.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { defaultMfaPolicy, type MfaPolicy } from '../../src/mfa/policy.ts';
import { ACR_MFA, ACR_PHR } from '../../src/oidc/acr.ts';
import { giveTotp } from '../support/account.ts';
import { Browser } from '../support/browser.ts';
import { appCode } from '../support/mfa.ts';
import { ceremony, enrollPasskey, givePasskey, isPasskeyPage } from '../support/passkey.ts';
import { isCallback, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { RP_CLIENTS, RP_REDIRECT, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const PAYROLL = RP_CLIENTS[0].client_id; // the first-party app stands in for "payroll"
const hook: MfaPolicy = (context) =>
  context.client?.clientId === PAYROLL
    ? defaultMfaPolicy({ ...context, requestedAcr: [ACR_PHR] })
    : defaultMfaPolicy(context);

for (const mode of STORE_MODES) {
  describe(`W5, P3: a host's hook requires phr for one client (${mode} stores)`, function () {
    this.timeout(90_000);
    let server: TestServer;
    let rp: RelyingParty;
    before(async () => {
      const otherApp = {
        client_id: 'other-app',
        redirect_uris: [RP_REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
        first_party: true,
      };
      server = await startTestServer(mode, { app: { mfaPolicy: hook }, clients: [otherApp] });
      rp = await RelyingParty.discover(server.issuer, PAYROLL);
    });
    after(() => server?.stop());

    it('W5, P3: only a passkey signs in to that client — added inside the sign-in when missing; an app session is asked again; tokens re-check it', async () => {
      const appOnly = `hook-app-${mode}@example.test`;
      await giveTotp(server, await server.createUser(appOnly, PASSWORD, { plan: 'paid' }));
      let browser = new Browser();
      let auth = await rp.authorize();
      let page = await submitPassword(browser, await open(browser, auth), appOnly, PASSWORD);
      assert.match(page.text, /action="[^"]*\/mfa\/enroll\/passkey"/, 'the app does not do for this client');
      page = await enrollPasskey(browser, page, server.issuer);
      assert.equal((await rp.callback(page.url, auth)).claims()?.acr, ACR_PHR);

      const both = `hook-both-${mode}@example.test`;
      const id = await server.createUser(both, PASSWORD, { plan: 'paid' });
      const secret = await giveTotp(server, id);
      const authenticator = await givePasskey(server, id);
      // An app session made for another client (the default hook there) …
      const other = await RelyingParty.discover(server.issuer, 'other-app');
      browser = new Browser();
      auth = await other.authorize();
      page = await submitPassword(browser, await open(browser, auth), both, PASSWORD);
      page = await browser.follow(new URL(/href="([^"]*\?method=totp)"/.exec(page.text)![1], page.url));
      page = await browser.submit(page, { code: await appCode(secret) }, /\/mfa\/verify$/, isCallback);
      assert.equal(
        (await other.callback(page.url, auth)).claims()?.acr,
        ACR_MFA,
        'the app meets the other client',
      );
      // … is asked for the passkey by the payroll client, and nothing weaker is offered.
      auth = await rp.authorize();
      page = await open(browser, auth);
      assert.ok(isPasskeyPage(page), 'the passkey is asked for');
      assert.doesNotMatch(page.text, /\?method=totp"/);
      page = await ceremony(browser, page, /\/mfa\/passkey$/, authenticator, {}, isCallback);
      const tokens = await rp.callback(page.url, auth);
      assert.equal(tokens.claims()?.acr, ACR_PHR);
      assert.ok(tokens.refresh_token, 'a refresh token to re-check at the token endpoint');
      const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
      assert.ok(refreshed.access_token, 'the hook passes at the token endpoint with the acr phr');
    });
  });
}
