// G5 (binding rule) with T1 on the security settings page: with a method enrolled, adding one needs
// a second factor completed within MFA_BINDING_WINDOW_SECONDS besides the password. Right after an
// MFA sign-in only the password is asked; later the page asks for the app's code first.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { accountSignIn, giveTotp } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { appCode } from '../support/mfa.ts';
import { STORE_MODES } from '../support/server.ts';
import { jpMobile, PASSWORD, type SmsTestServer, startSmsServer } from '../support/sms.ts';

const WINDOW_SECONDS = 4;

for (const mode of STORE_MODES) {
  describe(`G5: adding a method needs a recent second factor (${mode} stores)`, function () {
    this.timeout(90_000);
    let server: SmsTestServer;
    const url = (path: string) => new URL(path, server.issuer);

    before(async () => {
      server = await startSmsServer(mode, { env: { MFA_BINDING_WINDOW_SECONDS: String(WINDOW_SECONDS) } });
    });
    after(() => server?.stop());

    it('G5, T1: right after an MFA sign-in adding SMS needs only the password; after the window the app code comes first (a wrong one changes nothing), then it proceeds', async () => {
      const { sor } = server.services;
      const email = `g5-${mode}@example.test`;
      const id = await server.createUser(email, PASSWORD, { plan: 'free' });
      const secret = await giveTotp(server, id);
      const browser = new Browser();
      await accountSignIn(browser, server, email, PASSWORD, secret, -1);

      // Within the window: the password only (T1), then the phone number.
      const reauth = await browser.request(url('/account/security/sms'));
      assert.match(reauth.text, /name="password"/, 'password first');
      assert.doesNotMatch(textOf(reauth.text), /Confirm with your current method/);
      const phonePage = await browser.submit(reauth, { password: PASSWORD }, /reauth\?next=sms$/);
      assert.match(phonePage.text, /name="phone"/, textOf(phonePage.text).slice(0, 200));

      await sleep(WINDOW_SECONDS * 1000 + 500);
      // The password is still fresh (REAUTH_WINDOW_SECONDS), the second factor is not.
      const phone = jpMobile(7501);
      const asked = await browser.submit(phonePage, { country: 'JP', phone: phone.national }, /\/sms\/send$/);
      assert.equal(asked.status, 403);
      assert.match(textOf(asked.text), /Confirm with your current method/);
      assert.equal((await server.outbox(phone.e164)).length, 0, 'no code texted without the binding');
      const form = await browser.request(url('/account/security/sms'));
      assert.match(textOf(form.text), /Confirm with your current method/);
      assert.doesNotMatch(form.text, /name="phone"/);

      const good = await appCode(secret, 0);
      const wrong = await browser.submit(
        form,
        { code: good === '000000' ? '111111' : '000000' },
        /confirm-method/,
      );
      assert.equal(wrong.status, 401);
      assert.ok(textOf(wrong.text).includes('The verification code you entered is incorrect'));
      const again = await browser.request(url('/account/security/sms'));
      assert.match(textOf(again.text), /Confirm with your current method/, 'a wrong code changes nothing');

      const proceeds = await browser.submit(again, { code: good }, /confirm-method/);
      assert.match(proceeds.text, /name="phone"/, textOf(proceeds.text).slice(0, 200));
      const codePage = await browser.submit(
        proceeds,
        { country: 'JP', phone: phone.national },
        /\/sms\/send$/,
      );
      const done = await browser.submit(
        codePage,
        { code: await server.lastCode(phone.e164) },
        /\/sms\/confirm$/,
      );
      assert.equal(new URL(done.url).pathname, '/account/security');
      assert.ok(textOf(done.text).includes('The method was added'));
      const types = (await sor.listFactors(id)).map((f) => f.type);
      assert.ok(types.includes('sms'), `SMS added: ${types}`);
    });

    it('G5, S3: an SMS-only user confirms with a code texted as the page opens (a wrong one changes nothing), then adding the app proceeds to the password', async () => {
      const email = `g5-sms-${mode}@example.test`;
      const id = await server.createUser(email, PASSWORD, { plan: 'free' });
      const phone = jpMobile(7502);
      await server.services.sor.insertFactor({ userId: id, type: 'sms', data: { phone: phone.e164 } });
      const browser = new Browser();
      let page = await browser.follow(url('/account/login'));
      page = await browser.submit(page, { email, password: PASSWORD }, /\/login$/);
      page = await browser.submit(page, { code: await server.lastCode(phone.e164) }, /\/mfa\/verify$/);
      assert.equal(new URL(page.url).pathname, '/account/security', textOf(page.text).slice(0, 200));
      await sleep(WINDOW_SECONDS * 1000 + 500);

      const sentBefore = (await server.outbox(phone.e164)).length;
      const form = await browser.request(url('/account/security/totp'));
      assert.match(textOf(form.text), /Confirm with your current method/);
      assert.match(textOf(form.text), /the code we text to your phone/);
      assert.equal(
        (await server.outbox(phone.e164)).length,
        sentBefore + 1,
        'a code is texted as the page opens',
      );
      assert.match(form.text, /name="method" value="sms"/);
      const code = await server.lastCode(phone.e164);
      const wrong = await browser.submit(
        form,
        { code: code === '000000' ? '111111' : '000000' },
        /confirm-method\?/,
      );
      assert.equal(wrong.status, 401);
      assert.match(
        textOf((await browser.request(url('/account/security/totp'))).text),
        /Confirm with your current method/,
      );

      const again = await browser.request(url('/account/security/totp'));
      assert.equal((await server.outbox(phone.e164)).length, sentBefore + 1, 'no second text on reopening');
      const proceeds = await browser.submit(again, { code }, /confirm-method\?/);
      assert.equal(new URL(proceeds.url).pathname, '/account/security/totp');
      assert.doesNotMatch(textOf(proceeds.text), /Confirm with your current method/);
      assert.match(proceeds.text, /name="password"/, 'then the password (T1)');
    });
  });
}
