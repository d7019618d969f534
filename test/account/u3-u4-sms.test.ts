// U3, U4 for a user whose only second factor is SMS: the reset and the change pages text a code
// (read from the SMS outbox), and nothing changes without it.
import assert from 'node:assert/strict';
import { checkPassword } from '../../src/account/credentials.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { mailsTo } from '../support/mail.ts';
import { isMfaChallenge } from '../support/mfa.ts';
import { STORE_MODES } from '../support/server.ts';
import { jpMobile, PASSWORD, type SmsTestServer, startSmsServer } from '../support/sms.ts';

const NEW = 'violet harbour gravel seventeen';

for (const mode of STORE_MODES) {
  describe(`U3, U4 with SMS as the only factor (${mode} stores)`, function () {
    this.timeout(90_000);
    let server: SmsTestServer;
    const url = (path: string) => new URL(path, server.issuer);
    before(async () => {
      server = await startSmsServer(mode, { env: { MAIL_MAX_SENDS_PER_IP: '1000' } });
    });
    after(() => server?.stop());

    const wrong = async (phone: string) =>
      (await server.lastCode(phone)) === '000000' ? '111111' : '000000';
    const signIn = async (email: string, password: string) => {
      const b = new Browser();
      const page = await b.follow(url('/account/login'));
      return { b, page: await b.submit(page, { email, password }, /\/login$/) };
    };
    const recoveryLink = async (email: string): Promise<string> => {
      const b = new Browser();
      await b.submit(await b.request(url('/recover')), { email }, /\/recover$/);
      for (let i = 0; i < 100 && (await mailsTo(server, email)).length === 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      const m = /(http:\/\/\S+\/recover\/reset\?token=[\w-]+)/.exec(
        (await mailsTo(server, email)).at(-1)?.text ?? '',
      );
      assert.ok(m, 'a recovery link');
      return m[1];
    };

    it('U4: an SMS-only user recovers with the code texted by the reset page; a wrong code changes nothing; the next sign-in still asks SMS', async () => {
      const email = 'u4-sms@example.test';
      const phone = jpMobile(7401).e164;
      const id = await server.createUser(email, PASSWORD, { plan: 'paid' });
      await server.giveSms(id, phone);
      const b = new Browser();
      const page = await b.request(new URL(await recoveryLink(email)));
      assert.equal(page.status, 200);
      assert.match(textOf(page.text), /We sent a code to/);
      assert.equal((await server.outbox(phone)).length, 1, 'the page texted one code');
      assert.equal((await b.request(new URL(page.url))).status, 200);
      assert.equal((await server.outbox(phone)).length, 1, 'opening the page again does not text again');

      const refused = await b.submit(page, { password: NEW, code: await wrong(phone) }, /reset$/);
      assert.equal(refused.status, 401);
      assert.ok(
        await checkPassword(server.services.sor, email, PASSWORD),
        'nothing changed without the code',
      );
      const resent = await b.submit(refused, {}, /reset\/sms$/);
      assert.equal(resent.status, 429, 'a resend within the wait is refused (S3 resend rules)');

      const done = await b.submit(refused, { password: NEW, code: await server.lastCode(phone) }, /reset$/);
      assert.equal(done.status, 200, textOf(done.text).slice(0, 300));
      assert.match(textOf(done.text), /Your password was reset/);
      assert.ok(await checkPassword(server.services.sor, email, NEW));
      assert.ok(
        isMfaChallenge((await signIn(email, NEW)).page),
        'the next sign-in asks the SMS code as before',
      );
    });

    it('U3: an SMS-only user changes the password with the code texted by the change page; without it nothing changes', async () => {
      const email = 'u3-sms@example.test';
      const phone = jpMobile(7402).e164;
      const id = await server.createUser(email, PASSWORD, { plan: 'free' });
      await server.giveSms(id, phone);
      const { b, page: challenge } = await signIn(email, PASSWORD);
      const signedIn = await b.submit(challenge, { code: await server.lastCode(phone) }, /\/mfa\/verify$/);
      assert.equal(new URL(signedIn.url).pathname, '/account/security');
      const sentBefore = (await server.outbox(phone)).length;

      const form: Page = await b.request(url('/account/security/password'));
      assert.equal(form.status, 200);
      assert.match(form.text, /name="code"/);
      assert.equal((await server.outbox(phone)).length, sentBefore + 1, 'the page texted a code');
      const refused = await b.submit(
        form,
        { current: PASSWORD, new: NEW, code: await wrong(phone) },
        /password$/,
      );
      assert.equal(refused.status, 401);
      assert.equal((await signIn(email, NEW)).page.status, 401, 'nothing changed without the code');

      const done = await b.submit(
        form,
        { current: PASSWORD, new: NEW, code: await server.lastCode(phone) },
        /password$/,
      );
      assert.equal(done.status, 200, textOf(done.text).slice(0, 300));
      assert.match(textOf(done.text), /Your password was changed/);
      assert.ok(await checkPassword(server.services.sor, email, NEW));
    });
  });
}
