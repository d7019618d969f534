// V1 (with P4, P5, R1–R3): a locked factor never lowers what is asked. A user whose methods are all
// locked gets no code (not even with prompt=none), no enrollment (at sign-in or on the settings
// page) and is told who can reset them; backup codes still work while any are left; a locked SMS
// leaves a usable app working. Both store modes, openid-client as the relying party.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { waitForMail } from '../support/mail.ts';
import {
  appCode,
  backupCodesFromPage,
  finishFromCodesPage,
  isEnrollment,
  isMfaChallenge,
  secretFromPage,
  submitCode,
} from '../support/mfa.ts';
import { isCallback, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES } from '../support/server.ts';
import { jpMobile, PASSWORD, type SmsTestServer, startSmsServer } from '../support/sms.ts';

const RESET_HELP = 'Ask an owner or admin of your organization';
const THRESHOLD = 3;

const isLockedPage = (page: Page) =>
  page.status === 423 &&
  textOf(page.text).includes(RESET_HELP) &&
  textOf(page.text).includes('contact support');

for (const mode of STORE_MODES) {
  describe(`V1: locked factors (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: SmsTestServer;
    let rp: RelyingParty;
    before(async () => {
      server = await startSmsServer(mode, { env: { MFA_LOCKOUT_THRESHOLD: String(THRESHOLD) } });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    /** A paid member enrolls the app during sign-in; returns their id, secret and backup codes. */
    async function enrolled(email: string) {
      const id = await server.createUser(email, PASSWORD, { plan: 'paid' });
      const browser = new Browser();
      const page = await submitPassword(browser, await open(browser, await rp.authorize()), email, PASSWORD);
      assert.ok(isEnrollment(page));
      const secret = secretFromPage(page);
      const codesPage = await browser.submit(page, { code: await appCode(secret) }, /confirm$/);
      const codes = backupCodesFromPage(codesPage);
      await finishFromCodesPage(browser, codesPage);
      return { id, secret, codes };
    }

    async function signIn(email: string, params: Record<string, string> = {}) {
      const browser = new Browser();
      const auth = await rp.authorize(params);
      const page = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
      return { browser, auth, page };
    }

    async function lock(id: string, type: 'totp' | 'sms') {
      const { sor } = server.services;
      for (const f of await sor.listFactors(id))
        if (f.type === type) await sor.updateFactor(f.id, { lockedAt: new Date() });
    }

    const post = async (browser: Browser, page: Page, path: string, form: Record<string, string>) => {
      const url = new URL(`${new URL(page.url).pathname}${path}`, page.url);
      return browser.follow(url, isCallback, await browser.request(url, { form }));
    };

    it('V1, P4, R3: a voluntary app user locked by wrong codes gets no code: 423 with who can reset, prompt=none errs, no settings page', async () => {
      const email = 'voluntary@example.test';
      const { id, secret } = await enrolled(email);
      const { sor } = server.services;
      const [membership] = await sor.listMembershipsOfUser(id);
      await sor.updateOrg(membership.orgId, { plan: 'free' }); // MFA is now only P4 for this user
      await sor.deleteFactorsOfUser(id, ['backup_code']);

      const { browser, page } = await signIn(email);
      assert.ok(isMfaChallenge(page), 'P4');
      let answer = page;
      for (let i = 1; i <= THRESHOLD; i++) answer = await submitCode(browser, page, '000000');
      assert.equal(answer.status, 423);
      const events = await sor.listAudit({ userId: id, limit: 500 });
      const locks = events.filter((e) => e.action === 'factor.locked');
      assert.equal(locks.length, 1, 'R3: the lockout is audited once');
      assert.equal(locks[0].actorUserId, id);
      // U6: the user is mailed about the lockout (it replaced the former log line).
      await waitForMail(server, email, /was locked after too many wrong codes/);

      assert.ok(isLockedPage(answer), `${answer.status}: ${textOf(answer.text).slice(0, 300)}`);
      assert.ok(!/\/mfa\/verify"/.test(answer.text), 'no code form');
      assert.match(answer.text, /href="\/interaction\/[^"]+\/abort"/, 'the way back to the app');
      // V3: the lockout ended every session of the user, this sign-in's included.
      const reload = await browser.follow(new URL(new URL(page.url).pathname, page.url), isCallback);
      assert.equal(reload.status, 400, textOf(reload.text).slice(0, 300));
      assert.ok(textOf(reload.text).includes('start again'));
      const right = await post(browser, page, '/mfa/verify', {
        method: 'totp',
        code: await appCode(secret, 1),
      });
      assert.ok(right.status !== 0, 'no code for the relying party');

      // The session the password created yields no code, not even silently.
      const silent = await browser.follow((await rp.authorize({ prompt: 'none' })).url, isCallback);
      assert.equal(silent.status, 0);
      const cb = new URL(silent.url);
      assert.equal(cb.searchParams.get('code'), null);
      assert.ok(cb.searchParams.get('error'), 'an error, not a code');
      // Nor can that password-only session add a method on the settings page.
      const settings = await browser.request(new URL('/account/security', server.issuer));
      assert.equal(settings.status, 303);
      assert.match(settings.headers.get('location') ?? '', /\/account\/login/);

      const again = await signIn(email);
      assert.ok(isLockedPage(again.page), `${again.page.status}: ${textOf(again.page.text).slice(0, 200)}`);
    });

    it('V3, V1: a lockout ends every other session and token of the user (an MFA session with offline access included)', async () => {
      const email = 'lockout-ends@example.test';
      const { secret } = await enrolled(email);
      const trusted = new Browser();
      const auth = await rp.authorize({ scope: 'openid offline_access' });
      const challenge = await submitPassword(trusted, await open(trusted, auth), email, PASSWORD);
      const done = await submitCode(trusted, challenge, await appCode(secret, 1));
      const tokens = await rp.callback(done.url, auth);
      assert.ok(tokens.refresh_token, 'an MFA session with offline access');

      const { browser, page } = await signIn(email);
      for (let i = 1; i <= THRESHOLD; i++) await submitCode(browser, page, '000000');
      await assert.rejects(client.refreshTokenGrant(rp.config, tokens.refresh_token!), {
        error: 'invalid_grant',
      });
      const silent = await trusted.follow((await rp.authorize({ prompt: 'none' })).url, isCallback);
      assert.equal(new URL(silent.url).searchParams.get('error'), 'login_required');
    });

    it('V1, P5: a paid member with the app locked is offered no enrollment: ?enroll=sms, send, confirm and the app routes refuse', async () => {
      const email = 'paidlocked@example.test';
      const { id } = await enrolled(email);
      await server.services.sor.deleteFactorsOfUser(id, ['backup_code']);
      await lock(id, 'totp');
      const { browser, page } = await signIn(email);
      assert.ok(isLockedPage(page), `${page.status}: ${textOf(page.text).slice(0, 200)}`);
      const phone = jpMobile(mode === 'real' ? 7101 : 7001);
      const steps = [
        await browser.follow(new URL(`${new URL(page.url).pathname}?enroll=sms`, page.url), isCallback),
        await post(browser, page, '/mfa/reauth', { password: PASSWORD }),
        await post(browser, page, '/mfa/enroll/sms/send', { country: 'JP', phone: phone.national }),
        await post(browser, page, '/mfa/enroll/sms/confirm', { code: '123456' }),
        await post(browser, page, '/mfa/enroll/totp/restart', {}),
        await post(browser, page, '/mfa/enroll/totp/confirm', { code: '123456' }),
      ];
      for (const step of steps)
        assert.ok(isLockedPage(step), `${step.status}: ${textOf(step.text).slice(0, 200)}`);
      assert.equal((await server.outbox(phone.e164)).length, 0, 'no code texted');
      const types = (await server.services.sor.listFactors(id)).map((f) => f.type);
      assert.deepEqual(types, ['totp'], 'nothing enrolled');
    });

    it('V1, P5: a paid member whose only method (SMS) is locked is not sent to enroll the app', async () => {
      const email = 'smslocked@example.test';
      const id = await server.createUser(email, PASSWORD, { plan: 'paid' });
      await server.giveSms(id, jpMobile(mode === 'real' ? 7102 : 7002).e164);
      await lock(id, 'sms');
      const { page } = await signIn(email);
      assert.ok(!isEnrollment(page));
      assert.ok(isLockedPage(page), `${page.status}: ${textOf(page.text).slice(0, 200)}`);
    });

    it('V1, T3: with the app locked and backup codes left, the page asks for a backup code and it completes the sign-in', async () => {
      const email = 'backupleft@example.test';
      const { id, codes } = await enrolled(email);
      await lock(id, 'totp');
      const { browser, auth, page } = await signIn(email);
      assert.ok(isMfaChallenge(page), `${page.status}: ${textOf(page.text).slice(0, 200)}`);
      assert.match(page.text, /name="method" value="backup_code"/);
      const done = await submitCode(browser, page, codes[0]);
      assert.equal(done.status, 0, textOf(done.text).slice(0, 200));
      const amr = (await rp.callback(done.url, auth)).claims()?.amr as string[] | undefined;
      assert.ok(amr?.includes('mfa'), String(amr));
    });

    it('V1, L2: SMS locked, app usable: the app still signs in, and SMS is not offered', async () => {
      const email = 'appworks@example.test';
      const { id, secret } = await enrolled(email);
      await server.giveSms(id, jpMobile(mode === 'real' ? 7103 : 7003).e164);
      await lock(id, 'sms');
      const { browser, auth, page } = await signIn(email);
      assert.ok(isMfaChallenge(page));
      assert.match(page.text, /name="method" value="totp"/);
      assert.ok(!/\?method=sms"/.test(page.text), 'no SMS alternative');
      const done = await submitCode(browser, page, await appCode(secret, 1));
      assert.equal(done.status, 0, textOf(done.text).slice(0, 200));
      const amr = (await rp.callback(done.url, auth)).claims()?.amr as string[] | undefined;
      assert.deepEqual(amr, ['pwd', 'otp', 'mfa']);
    });
  });
}
