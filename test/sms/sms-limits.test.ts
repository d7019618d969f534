// S4 (send budgets per phone, user and IP; code expiry) and S1/T1 (re-authentication before adding
// SMS) end to end, with small budgets and lifetimes, on embedded and real stores.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Page, textOf } from '../support/browser.ts';
import { isEnrollment, submitCode } from '../support/mfa.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES } from '../support/server.ts';
import {
  chooseSms,
  ForwardedBrowser,
  isSmsChallenge,
  isSmsCodePage,
  isSmsPhonePage,
  jpMobile,
  PASSWORD,
  resendChallenge,
  type SmsTestServer,
  sendTo,
  startSmsServer,
} from '../support/sms.ts';

for (const mode of STORE_MODES) {
  describe(`SMS limits, expiry and re-authentication (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: SmsTestServer;
    let rp: RelyingParty;
    let ips = 0;
    const phone = (n: number) => jpMobile(mode === 'real' ? 7000 + n : 6000 + n);

    before(async () => {
      server = await startSmsServer(mode, {
        env: {
          TRUST_PROXY: 'true',
          SMS_MAX_SENDS_PER_PHONE: '3',
          SMS_MAX_SENDS_PER_USER: '2',
          SMS_MAX_SENDS_PER_IP: '4',
          SMS_CODE_TTL_SECONDS: '2',
          SMS_RESEND_SECONDS: '1',
          REAUTH_WINDOW_SECONDS: '1',
        },
      });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    /** Each test signs in from its own address, so the per-IP budget is the test's own. */
    const newIp = () => `198.51.100.${++ips}`;

    async function signIn(email: string, ip: string) {
      const browser = new ForwardedBrowser(ip);
      const auth = await rp.authorize();
      const page = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
      return { browser, auth, page };
    }

    async function smsUser(email: string, e164: string) {
      const userId = await server.createUser(email, PASSWORD, { plan: 'paid' });
      await server.giveSms(userId, e164);
      return userId;
    }

    function assertSent(page: Page) {
      assert.ok(isSmsChallenge(page));
      assert.equal(page.status, 200, textOf(page.text).slice(0, 300));
      assert.ok(textOf(page.text).includes('We sent a code by text message'));
    }

    async function assertRefused(page: Page, userId: string, scope: string) {
      assert.equal(page.status, 429, textOf(page.text).slice(0, 300));
      assert.ok(textOf(page.text).includes('Too many codes were requested. Try again in'));
      const events = await server.services.sor.listAudit({ userId });
      const hit = events.find((e) => e.action === 'sms.rate_limited');
      assert.ok(hit, 'S4: the hit is audited');
      assert.equal(hit.details.scope, scope);
    }

    it('S4: sends per user are budgeted (2 here); the next is refused, audited, and nothing is sent', async () => {
      const p = phone(1);
      const userId = await smsUser('budget-user@example.test', p.e164);
      const ip = newIp();
      assertSent((await signIn('budget-user@example.test', ip)).page);
      assertSent((await signIn('budget-user@example.test', ip)).page);
      await assertRefused((await signIn('budget-user@example.test', ip)).page, userId, 'user');
      assert.equal((await server.outbox(p.e164)).length, 2);
    });

    it('S4: sends per phone number are budgeted (3 here), across users', async () => {
      const p = phone(2);
      await smsUser('budget-phone1@example.test', p.e164);
      const second = await smsUser('budget-phone2@example.test', p.e164);
      const ip = newIp();
      assertSent((await signIn('budget-phone1@example.test', ip)).page);
      assertSent((await signIn('budget-phone1@example.test', ip)).page);
      assertSent((await signIn('budget-phone2@example.test', ip)).page);
      await assertRefused((await signIn('budget-phone2@example.test', ip)).page, second, 'phone');
      assert.equal((await server.outbox(p.e164)).length, 3);
    });

    it('S4: sends per client IP are budgeted (4 here), across users and numbers', async () => {
      const ip = newIp();
      for (const n of [3, 4]) {
        await smsUser(`budget-ip${n}@example.test`, phone(n).e164);
        assertSent((await signIn(`budget-ip${n}@example.test`, ip)).page);
        assertSent((await signIn(`budget-ip${n}@example.test`, ip)).page);
      }
      const last = await smsUser('budget-ip5@example.test', phone(5).e164);
      await assertRefused((await signIn('budget-ip5@example.test', ip)).page, last, 'ip');
      assertSent((await signIn('budget-ip5@example.test', newIp())).page);
    });

    it('S4: a code expires after SMS_CODE_TTL_SECONDS; a resend then brings a new one that works', async () => {
      const p = phone(6);
      await smsUser('expiry@example.test', p.e164);
      const { browser, auth, page } = await signIn('expiry@example.test', newIp());
      assertSent(page);
      const code = await server.lastCode(p.e164);
      await sleep(2200);
      const late = await submitCode(browser, page, code);
      assert.equal(late.status, 401);
      assert.ok(textOf(late.text).includes('This code has expired'));
      const again = await resendChallenge(browser, late);
      assert.equal(again.status, 200);
      const fresh = await server.lastCode(p.e164);
      assert.equal((await server.outbox(p.e164)).length, 2);
      const done = await submitCode(browser, again, fresh);
      assert.equal(done.status, 0, textOf(done.text).slice(0, 300));
      assert.deepEqual((await rp.callback(done.url, auth)).claims()?.amr, ['pwd', 'sms', 'mfa']);
    });

    it('S1, T1: adding SMS after the re-authentication window asks for the password, then returns to SMS', async () => {
      await server.createUser('reauth@example.test', PASSWORD, { plan: 'paid' });
      const { browser, auth, page } = await signIn('reauth@example.test', newIp());
      assert.ok(isEnrollment(page));
      const phonePage = await chooseSms(browser, page);
      assert.ok(isSmsPhonePage(phonePage));
      await sleep(2100);
      const p = phone(7);
      const stale = await sendTo(browser, phonePage, p.national);
      assert.equal(stale.status, 401);
      assert.ok(textOf(stale.text).includes('Re-authentication required. Enter your password and try again'));
      assert.equal((await server.outbox(p.e164)).length, 0, 'nothing sent before the password');
      const back = await browser.submit(stale, { password: PASSWORD }, /\/reauth/);
      assert.ok(isSmsPhonePage(back), 'back to the SMS step');
      const codePage = await sendTo(browser, back, p.national);
      assert.ok(isSmsCodePage(codePage));
      const done = await browser.submit(codePage, { code: await server.lastCode(p.e164) }, /confirm$/, (u) =>
        u.href.startsWith('http://rp.test/'),
      );
      assert.equal(done.status, 0, textOf(done.text).slice(0, 300));
      assert.deepEqual((await rp.callback(done.url, auth)).claims()?.amr, ['pwd', 'sms', 'mfa']);
    });
  });
}
