// W5, I5: an API behind src/api/step-up.ts that asks for a passkey (acr phr) refuses a token from
// an app-code session with acr_values=phr, and accepts one from a passkey sign-in; an API that
// asks for mfa accepts the passkey's token too (the ladder pwd < mfa < phr).
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { checkAccessToken } from '../../src/api/step-up.ts';
import { ACR_MFA, ACR_PHR } from '../../src/oidc/acr.ts';
import { giveTotp } from '../support/account.ts';
import { Browser } from '../support/browser.ts';
import { appCode } from '../support/mfa.ts';
import { ceremony, givePasskey } from '../support/passkey.ts';
import { isCallback, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const API = 'https://payroll.example.test';
const params = { scope: 'openid read', resource: API };

for (const mode of STORE_MODES) {
  describe(`W5, I5: APIs that ask for a passkey (${mode} stores)`, function () {
    this.timeout(90_000);
    let server: TestServer;
    let rp: RelyingParty;
    before(async () => {
      server = await startTestServer(mode, {
        env: { RESOURCE_SERVERS: JSON.stringify([{ resource: API, scope: 'read', accessTokenTTL: 600 }]) },
      });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    it('W5, I5: an app-code token is refused by a phr API with acr_values=phr; a passkey token passes phr and mfa APIs', async () => {
      const email = `api-${mode}@example.test`;
      const id = await server.createUser(email, PASSWORD, { plan: 'paid' });
      const secret = await giveTotp(server, id);
      const authenticator = await givePasskey(server, id);
      const needPhr = checkAccessToken({ issuer: server.issuer, audience: API, acr: ACR_PHR });
      const needMfa = checkAccessToken({ issuer: server.issuer, audience: API, acr: ACR_MFA });

      const browser = new Browser();
      let auth = await rp.authorize(params);
      let page = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
      page = await browser.follow(new URL(/href="([^"]*\?method=totp)"/.exec(page.text)![1], page.url));
      page = await browser.submit(page, { code: await appCode(secret) }, /\/mfa\/verify$/, isCallback);
      const appToken = (await rp.callback(page.url, auth)).access_token;
      assert.equal(decodeJwt(appToken).acr, ACR_MFA);
      const refused = await needPhr(`Bearer ${appToken}`);
      assert.ok(!refused.ok && refused.error === 'insufficient_user_authentication');
      assert.match(refused.wwwAuthenticate, new RegExp(`acr_values="${ACR_PHR}"`));
      assert.ok((await needMfa(`Bearer ${appToken}`)).ok);

      auth = await rp.authorize({ ...params, acr_values: ACR_PHR });
      page = await open(browser, auth);
      page = await ceremony(browser, page, /\/mfa\/passkey$/, authenticator, {}, isCallback);
      const passkeyToken = (await rp.callback(page.url, auth)).access_token;
      const at = decodeJwt(passkeyToken);
      assert.equal(at.acr, ACR_PHR);
      assert.ok((at.amr as string[]).includes('hwk'));
      assert.ok((await needPhr(`Bearer ${passkeyToken}`)).ok);
      assert.ok((await needMfa(`Bearer ${passkeyToken}`)).ok, 'phr meets mfa');
    });
  });
}
