// S1–S3, S6, M2, M3 on the security settings page: adding a phone (password first, the code from
// the phone), disabling SMS with a code sent to it, and the "add the app first" rule.
import assert from 'node:assert/strict';
import { accountSignIn, csrfOf } from '../support/account.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { STORE_MODES } from '../support/server.ts';
import { jpMobile, PASSWORD, type SmsTestServer, startSmsServer } from '../support/sms.ts';

for (const mode of STORE_MODES) {
  describe(`SMS on the security settings page (${mode} stores)`, function () {
    this.timeout(90_000);
    let server: SmsTestServer;
    const url = (path: string) => new URL(path, server.issuer);

    before(async () => {
      server = await startSmsServer(mode);
    });
    after(() => server?.stop());

    /** Password, then the SMS code from the outbox, to the settings page. */
    async function signInWithSms(browser: Browser, email: string, phone: string): Promise<Page> {
      let page = await browser.follow(url('/account/login'));
      page = await browser.submit(page, { email, password: PASSWORD }, /\/login$/);
      page = await browser.submit(page, { code: await server.lastCode(phone) }, /\/mfa\/verify$/);
      assert.equal(new URL(page.url).pathname, '/account/security', textOf(page.text).slice(0, 200));
      return page;
    }

    it('S1–S3: adding SMS starts with the password, then the number, then the texted code; the page shows it masked', async () => {
      const phone = jpMobile(7001);
      await server.createUser('add-sms@example.test', PASSWORD, { plan: 'free' });
      const browser = new Browser();
      await accountSignIn(browser, server, 'add-sms@example.test', PASSWORD);
      const reauth = await browser.request(url('/account/security/sms'));
      assert.match(reauth.text, /name="password"/, 'password first');
      const phonePage = await browser.submit(reauth, { password: PASSWORD }, /reauth\?next=sms$/);
      assert.match(phonePage.text, /name="phone"/);
      const codePage = await browser.submit(
        phonePage,
        { country: 'JP', phone: phone.national },
        /\/sms\/send$/,
      );
      assert.ok(textOf(codePage.text).includes('+81 •• •••• 7001'), textOf(codePage.text).slice(0, 300));
      const wrong = await browser.submit(
        codePage,
        { code: '000000' === (await server.lastCode(phone.e164)) ? '111111' : '000000' },
        /\/sms\/confirm$/,
      );
      assert.equal(wrong.status, 400);
      assert.ok(textOf(wrong.text).includes('The verification code you entered is incorrect'));
      const done = await browser.submit(
        wrong,
        { code: await server.lastCode(phone.e164) },
        /\/sms\/confirm$/,
      );
      assert.equal(new URL(done.url).pathname, '/account/security');
      assert.ok(textOf(done.text).includes('The method was added'));
      assert.ok(textOf(done.text).includes('+81 •• •••• 7001'));
    });

    it('S6, M3, X7: a paid-plan user whose only method is SMS cannot remove it; the pages say to add the app first and link there', async () => {
      const phone = jpMobile(7002);
      const id = await server.createUser('only-sms@example.test', PASSWORD, { plan: 'paid' });
      await server.giveSms(id, phone.e164);
      const browser = new Browser();
      await signInWithSms(browser, 'only-sms@example.test', phone.e164);
      // X7: the settings page says so up front, with the way forward, and offers no disable link.
      const settings = await browser.request(url('/account/security'));
      assert.doesNotMatch(settings.text, /href="\/account\/security\/sms\/disable"/);
      assert.match(settings.text, /<a href="\/account\/security\/totp">Add another method first<\/a>/);
      const refused = await browser.request(url('/account/security/sms/disable'));
      assert.equal(refused.status, 409);
      assert.ok(textOf(refused.text).includes('Add the authenticator app first'));
      assert.match(
        refused.text,
        /href="\/account\/security\/totp"[^>]*>Add another method first</,
        'X7: not a bare error',
      );
      assert.match(refused.text, /href="\/account\/security">Back to security settings</);
      assert.equal((await server.services.sor.listFactors(id)).length, 1);
    });

    it('M2, M4: disabling SMS needs the code sent to the phone; a wrong code changes nothing; the right one removes it', async () => {
      const phone = jpMobile(7003);
      const id = await server.createUser('drop-sms@example.test', PASSWORD, { plan: 'free' });
      await server.giveSms(id, phone.e164);
      const browser = new Browser();
      await signInWithSms(browser, 'drop-sms@example.test', phone.e164);
      const before = (await server.outbox(phone.e164)).length;
      const page = await browser.request(url('/account/security/sms/disable'));
      assert.equal(page.status, 200);
      assert.equal((await server.outbox(phone.e164)).length, before + 1, 'a code was texted');
      const wrong = await browser.submit(
        page,
        { code: '000000' === (await server.lastCode(phone.e164)) ? '111111' : '000000' },
        /\/sms\/disable$/,
      );
      assert.equal(wrong.status, 401);
      assert.equal((await server.services.sor.listFactors(id)).length, 1);
      const done = await browser.submit(
        wrong,
        { code: await server.lastCode(phone.e164) },
        /\/sms\/disable$/,
      );
      assert.equal(new URL(done.url).pathname, '/account/security');
      assert.equal((await server.services.sor.listFactors(id)).length, 0);
      const events = await server.services.sor.listAudit({ userId: id });
      assert.ok(events.some((e) => e.action === 'factor.disabled' && e.details.type === 'sms'));
    });

    it('CSRF: the SMS forms refuse a missing or wrong token and send nothing', async () => {
      const phone = jpMobile(7004);
      await server.createUser('csrf-sms@example.test', PASSWORD, { plan: 'free' });
      const browser = new Browser();
      const page = await accountSignIn(browser, server, 'csrf-sms@example.test', PASSWORD);
      const token = csrfOf(page);
      for (const csrf of ['', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`]) {
        const res = await browser.request(url('/account/security/sms/send'), {
          form: { csrf, country: 'JP', phone: phone.national },
        });
        assert.ok(res.status === 403 || res.status === 400, `got ${res.status}`);
      }
      assert.equal((await server.outbox(phone.e164)).length, 0);
    });
  });
}
