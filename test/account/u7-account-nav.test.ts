// U7: the account pages have "Sign out" (POST with CSRF, then a signed-out page), a way back to
// the application they were opened from (only to a registered redirect URI's origin, V4), and a
// link to the connected apps (I8).
import assert from 'node:assert/strict';
import { accountSignIn, csrfOf } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { RP_CLIENTS, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

for (const mode of STORE_MODES) {
  describe(`U7 account page basics (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    const url = (path: string) => new URL(path, server.issuer);
    before(async () => {
      server = await startTestServer(mode);
    });
    after(() => server?.stop());

    it('U7: "Sign out" is a POST with CSRF; afterwards the signed-out page shows and the account pages ask to sign in again', async () => {
      const email = 'u7-out@example.test';
      await server.createUser(email, PASSWORD);
      const b = new Browser();
      const page = await accountSignIn(b, server, email, PASSWORD);
      assert.match(page.text, /action="\/account\/logout"/, 'a sign-out button');
      assert.match(page.text, /href="#apps"/, 'connected apps are linked');
      const forged = await b.request(url('/account/logout'), {
        method: 'POST',
        form: { csrf: 'x'.repeat(43) },
      });
      assert.equal(forged.status, 403, 'no sign-out without the CSRF token');
      assert.equal((await b.request(url('/account/security'))).status, 200, 'still signed in');
      const out = await b.request(url('/account/logout'), { method: 'POST', form: { csrf: csrfOf(page) } });
      assert.equal(out.status, 200);
      assert.match(textOf(out.text), /You are signed out/);
      assert.equal((await b.request(url('/account/security'))).status, 303, 'signed out: sign in again');
    });

    it('U7, V4: opened from an app (client_id), the pages link back to its registered origin; an unknown client gets no link', async () => {
      const email = 'u7-back@example.test';
      await server.createUser(email, PASSWORD);
      const b = new Browser();
      const first = await b.request(url(`/account/security?client_id=${RP_CLIENTS[0].client_id}`));
      assert.equal(first.status, 303, 'sent to sign in first');
      const page = await accountSignIn(b, server, email, PASSWORD);
      const origin = new URL(RP_CLIENTS[0].redirect_uris[0]).origin;
      assert.ok(page.text.includes(`href="${origin}/"`), 'a link to the app origin');
      assert.match(textOf(page.text), new RegExp(`Back to ${RP_CLIENTS[0].client_name}`));

      const other = new Browser();
      await accountSignIn(other, server, email, PASSWORD);
      const evil = await other.request(url('/account/security?client_id=https%3A%2F%2Fevil.test'));
      assert.doesNotMatch(textOf(evil.text), /Back to/, 'no link for an unregistered client');
      assert.doesNotMatch(evil.text, /evil\.test\//);
    });
  });
}
