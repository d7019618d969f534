// The account pages' one session-and-CSRF middleware (src/account/middleware.ts, issue 10): every
// account form — settings, devices, password, e-mail, sign-out, organization pages, the multipart
// branding upload — refuses a POST whose CSRF token is not the session's (403) and changes
// nothing; without a session each leads to the sign-in and back to where it was posted.
import assert from 'node:assert/strict';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { Browser } from '../support/browser.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const FORMS: [string, Record<string, string>][] = [
  ['/account/security/reauth', { password: PASSWORD }],
  ['/account/security/sessions/end-others', {}],
  ['/account/security/apps/revoke', { client_id: 'some-app' }],
  ['/account/security/devices/forget-all', {}],
  ['/account/security/verify-email', {}],
  ['/account/security/password', { current: PASSWORD, new: 'another long and correct password' }],
  ['/account/security/totp/disable', { code: '123456' }],
  ['/account/security/confirm-method', { code: '123456' }],
  ['/account/logout', {}],
];

for (const mode of STORE_MODES) {
  describe(`Account session and CSRF middleware (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    before(async () => {
      server = await startTestServer(mode);
    });
    after(() => server?.stop());
    const url = (path: string) => new URL(path, server.issuer);

    it('I6: every account form refuses a token that is not the session’s (403) and changes nothing', async () => {
      const { sor } = server.services;
      const org = await sor.createOrg({ name: `Csrf ${mode}`, plan: 'free' });
      const id = await server.createUser(`mw-${mode}@example.test`, PASSWORD);
      await sor.setMembership(id, org.id, 'owner');
      const secret = await giveTotp(server, id);
      const browser = new Browser();
      const page = await accountSignIn(browser, server, `mw-${mode}@example.test`, PASSWORD, secret);
      const token = csrfOf(page);
      const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      const orgForms: [string, Record<string, string>][] = [
        [`/account/organizations/${org.id}/require-mfa`, { value: 'on' }],
        [`/account/organizations/${org.id}/invitations`, { email: 'new@example.test', role: 'member' }],
        [`/account/organizations/${org.id}/remember-devices`, { days: '7' }],
      ];
      for (const [path, fields] of [...FORMS, ...orgForms]) {
        const res = await browser.request(url(path), { form: { ...fields, csrf: wrong } });
        assert.equal(res.status, 403, `${path}: ${res.status}`);
        assert.match(res.text, /This form has expired/, path);
      }
      // The multipart upload (X9) is read with its limits, then refused the same way.
      const form = new FormData();
      form.set('csrf', wrong);
      form.set('display_name', 'Hijacked');
      const upload = url(`/account/organizations/${org.id}/branding`);
      const res = await fetch(upload, {
        method: 'POST',
        body: form,
        headers: { cookie: browser.cookieHeader(upload), accept: 'text/html' },
        redirect: 'manual',
      });
      assert.equal(res.status, 403);
      // Nothing changed: still signed in, the app kept, the organization as it was, no invitation.
      assert.equal((await browser.request(url('/account/security'))).status, 200);
      assert.ok((await sor.listFactors(id)).some((r) => r.type === 'totp'));
      const now = (await sor.findOrgById(org.id))!;
      assert.equal(now.requireMfaForAllUsers, org.requireMfaForAllUsers);
      assert.equal(now.rememberDeviceDays, org.rememberDeviceDays);
      assert.equal((await sor.listOpenInvitations(org.id)).length, 0);
      assert.notEqual((await sor.findBranding(org.id))?.displayName, 'Hijacked');
    });

    it('M1: without a session an account form leads to the sign-in, coming back to its page', async () => {
      const org = await server.services.sor.createOrg({ name: `Anon ${mode}`, plan: 'free' });
      const anonymous = new Browser();
      const cases: [string, string][] = [
        ['/account/security/sessions/end-others', '/account/security/sessions/end-others'],
        ['/account/security/devices/forget-all', '/account/security'],
        ['/account/security/verify-email', '/account/security'],
        ['/account/security/sms/disable', '/account/security'],
        [`/account/organizations/${org.id}/require-mfa`, `/account/organizations/${org.id}/require-mfa`],
      ];
      for (const [path, back] of cases) {
        const res = await anonymous.request(url(path), { form: { csrf: 'anything' } });
        assert.equal(res.status, 303, path);
        assert.equal(
          res.headers.get('location'),
          `/account/login?return_to=${encodeURIComponent(back)}`,
          path,
        );
      }
      // Signing out without a session is simply signed out.
      const out = await anonymous.request(url('/account/logout'), { form: {} });
      assert.equal(out.status, 200);
    });
  });
}
