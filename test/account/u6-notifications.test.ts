// U6: security notices by mail (read from the outbox) for the events of every path — a method
// added and removed, an MFA reset by an owner, a lockout, a require-MFA switch — in English and
// Japanese, saying when and from where, with no code or secret in them.
import assert from 'node:assert/strict';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { Browser } from '../support/browser.ts';
import { mailsTo, waitForMail } from '../support/mail.ts';
import { appCode, secretFromPage } from '../support/mfa.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

for (const mode of STORE_MODES) {
  describe(`U6 security notifications (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    const url = (path: string) => new URL(path, server.issuer);
    before(async () => {
      server = await startTestServer(mode, {
        env: { MFA_LOCKOUT_THRESHOLD: '3', MFA_MAX_FAILURES_PER_WINDOW: '10' },
      });
    });
    after(() => server?.stop());

    it('U6: adding and removing the app from the security page mails "added" and "removed" (en), without the secret or codes', async () => {
      const email = 'u6-add@example.test';
      await server.createUser(email, PASSWORD, { plan: 'free' });
      const b = new Browser();
      await accountSignIn(b, server, email, PASSWORD);
      const reauth = await b.request(url('/account/security/totp'));
      const qr = await b.submit(reauth, { password: PASSWORD }, /reauth$/);
      const secret = secretFromPage(qr);
      const code = await appCode(secret);
      await b.submit(qr, { code }, /confirm$/);
      const added = await waitForMail(server, email, /was added to your account/);
      assert.match(added.text, /Authenticator app was added/);
      assert.match(added.text, /When: .*20\d\d/);
      assert.match(added.text, /IP address: /);
      assert.match(added.text, /If you did not add it/);
      assert.doesNotMatch(added.text + added.html, new RegExp(`${secret}|${code}|${PASSWORD}`));
      const page = await b.request(url('/account/security'));
      await b.request(url('/account/security/totp/disable'), {
        form: { csrf: csrfOf(page), code: await appCode(secret, 1) },
      });
      const removed = await waitForMail(server, email, /was removed from your account/);
      assert.match(removed.text, /Authenticator app was removed/);
    });

    it('U6: a lockout after too many wrong codes at sign-in mails the user, in the language of the request (ja)', async () => {
      const email = 'u6-lock@example.test';
      const id = await server.createUser(email, PASSWORD, { plan: 'paid' });
      await giveTotp(server, id);
      const b = new Browser();
      b.acceptLanguage = 'ja';
      const rp = await RelyingParty.discover(server.issuer);
      let page = await submitPassword(b, await open(b, await rp.authorize()), email, PASSWORD);
      for (let i = 0; i < 3; i++) page = await b.submit(page, { code: '000000' }, /\/mfa\/verify$/);
      const mail = await waitForMail(server, email, /ロックされました/);
      assert.match(mail.text, /認証アプリ/);
      assert.match(mail.text, /日時: 20\d\d年/);
      assert.match(mail.html, /<html lang="ja">/);
      assert.doesNotMatch(mail.text, /000000/);
    });

    it("U6: an owner's MFA reset mails the member, and the require-MFA switch mails the organization's owners", async () => {
      const { sor } = server.services;
      const org = (await sor.createOrg({ name: 'Kilo', plan: 'free' })).id;
      const owner = await server.createUser('u6-owner@example.test', PASSWORD);
      const member = await server.createUser('u6-member@example.test', PASSWORD);
      await sor.setMembership(owner, org, 'owner');
      await sor.setMembership(member, org, 'member');
      await giveTotp(server, member);
      const b = new Browser();
      const security = await accountSignIn(b, server, 'u6-owner@example.test', PASSWORD);
      const csrf = csrfOf(security);
      const reset = await b.request(url(`/account/organizations/${org}/members/${member}/reset-mfa`), {
        form: { csrf, reason: 'lost phone' },
      });
      assert.equal(reset.status, 200);
      const mail = await waitForMail(
        server,
        'u6-member@example.test',
        /multi-factor authentication was reset/,
      );
      assert.match(mail.text, /an owner or administrator of your organization/);
      await b.request(url(`/account/organizations/${org}/require-mfa`), { form: { csrf, value: 'on' } });
      const policy = await waitForMail(server, 'u6-owner@example.test', /Security settings of Kilo changed/);
      assert.match(policy.text, /multi-factor authentication is now required for every member/);
      assert.equal(
        (await mailsTo(server, 'u6-member@example.test')).filter((m) => /Kilo/.test(m.subject)).length,
        0,
        'owners only',
      );
    });
  });
}
