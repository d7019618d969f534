// U5: `email_verified` tells the truth — false until the user opens the single-use link mailed from
// the security page ("Verify your e-mail"), true after, in the ID token and userinfo.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { accountSignIn, csrfOf } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { waitForMail } from '../support/mail.ts';
import { RelyingParty, signInWithPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

for (const mode of STORE_MODES) {
  describe(`U5 e-mail verification (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let rp: RelyingParty;
    before(async () => {
      server = await startTestServer(mode);
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    const rpClaims = async (email: string) => {
      const { tokens } = await signInWithPassword(new Browser(), rp, email, PASSWORD, {
        scope: 'openid email',
        // The claims parameter asks for it in the ID token itself (not only at userinfo).
        claims: JSON.stringify({ id_token: { email_verified: null } }),
      });
      const claims = tokens.claims()!;
      const info = await client.fetchUserInfo(rp.config, tokens.access_token, claims.sub);
      return { idToken: claims.email_verified, userinfo: info.email_verified };
    };

    it('U5: email_verified is false in the ID token and userinfo until the mailed link is opened, then true; the link works once', async () => {
      const email = 'u5@example.test';
      await server.createUser(email, PASSWORD);
      assert.deepEqual(await rpClaims(email), { idToken: false, userinfo: false }, 'not verified yet');

      const b = new Browser();
      const security = await accountSignIn(b, server, email, PASSWORD);
      assert.match(textOf(security.text), /Your e-mail address is not verified/);
      const sent = await b.request(new URL('/account/security/verify-email', server.issuer), {
        method: 'POST',
        form: { csrf: csrfOf(security) },
      });
      assert.equal(sent.status, 303);
      const mail = await waitForMail(server, email, /Verify your e-mail address/);
      const link = /(http:\/\/\S+\/account\/verify-email\?token=[\w-]+)/.exec(mail.text)?.[1];
      assert.ok(link, 'a verification link in the mail');
      assert.doesNotMatch(server.logs(), new RegExp(new URL(link).searchParams.get('token')!));

      const opened = await new Browser().request(new URL(link));
      assert.equal(opened.status, 200);
      assert.match(textOf(opened.text), /Your e-mail address is verified/);
      assert.equal((await new Browser().request(new URL(link))).status, 410, 'the link works once');
      assert.deepEqual(await rpClaims(email), { idToken: true, userinfo: true }, 'verified now');
    });

    it('U5: a forged or used-up token verifies nothing (410, still false)', async () => {
      const email = 'u5-forged@example.test';
      await server.createUser(email, PASSWORD);
      const page = await new Browser().request(
        new URL(`/account/verify-email?token=${'A'.repeat(43)}`, server.issuer),
      );
      assert.equal(page.status, 410);
      assert.equal(
        (await new Browser().request(new URL('/account/verify-email', server.issuer))).status,
        410,
      );
      assert.deepEqual(await rpClaims(email), { idToken: false, userinfo: false });
    });
  });
}
