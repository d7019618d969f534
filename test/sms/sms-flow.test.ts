// S1–S5, L2–L4: SMS as a second factor end to end, with an openid-client relying party reading
// the code from the outbox (the person's phone), on embedded and real stores.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACR_MFA } from '../../src/oidc/acr.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { dumpDatabase, dumpRedis } from '../support/dump.ts';
import { appCode, isEnrollment, isMfaChallenge, secretFromPage, submitCode } from '../support/mfa.ts';
import { type Authorization, isCallback, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES } from '../support/server.ts';
import {
  bareCode,
  chooseSms,
  confirmEnrollment,
  isSmsChallenge,
  isSmsCodePage,
  isSmsPhonePage,
  jpMobile,
  ORIGINATORS,
  PASSWORD,
  resendChallenge,
  type SmsTestServer,
  sendTo,
  startSmsServer,
} from '../support/sms.ts';

for (const mode of STORE_MODES) {
  describe(`SMS second factor (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: SmsTestServer;
    let rp: RelyingParty;
    let phones = 0;
    const nextPhone = () => jpMobile(mode === 'real' ? 5000 + ++phones : ++phones);

    before(async () => {
      server = await startSmsServer(mode, {
        env: {
          SMS_RESEND_SECONDS: '2',
          SMS_MAX_SENDS_PER_PHONE: '50',
          SMS_MAX_SENDS_PER_USER: '50',
          SMS_MAX_SENDS_PER_IP: '1000',
        },
      });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    async function passwordStep(browser: Browser, email: string) {
      const auth = await rp.authorize();
      const page = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
      return { auth, page, uid: new URL(page.url).pathname.split('/')[2] };
    }

    /** A user with an SMS factor (enrolled directly), at the SMS challenge of a new sign-in. */
    async function smsUserAtChallenge(email: string) {
      const phone = nextPhone();
      const userId = await server.createUser(email, PASSWORD, { plan: 'paid' });
      await server.giveSms(userId, phone.e164);
      const browser = new Browser();
      const step = await passwordStep(browser, email);
      assert.ok(
        isSmsChallenge(step.page),
        `L2: the SMS code is asked for: ${textOf(step.page.text).slice(0, 300)}`,
      );
      return { ...step, browser, phone, userId };
    }

    async function callbackOf(page: Page, auth: Authorization) {
      assert.equal(
        page.status,
        0,
        `expected the callback, got ${page.status}: ${textOf(page.text).slice(0, 300)}`,
      );
      return rp.callback(page.url, auth);
    }

    it('P5, S1–S3, L3, L4: a mandatory user enrolls SMS during sign-in with the texted code; amr pwd+sms+mfa', async () => {
      const userId = await server.createUser('enroll@example.test', PASSWORD, { plan: 'paid' });
      const phone = nextPhone();
      const browser = new Browser();
      const { auth, page } = await passwordStep(browser, 'enroll@example.test');
      assert.ok(isEnrollment(page), 'P5: forced to enroll; the app is offered first');
      assert.ok(textOf(page.text).includes('Set up text messages (SMS)'), 'and SMS as the other choice');

      const phonePage = await chooseSms(browser, page);
      assert.ok(isSmsPhonePage(phonePage));
      assert.match(phonePage.text, /<label for="country">/);
      assert.match(phonePage.text, /<label for="phone">/);
      assert.match(phonePage.text, /<select id="country" name="country"/);
      assert.ok(textOf(phonePage.text).includes('Send code'));
      assert.ok(!/<option value="RU"/.test(phonePage.text), 'blocked countries are not offered');

      const codePage = await sendTo(browser, phonePage, phone.national);
      assert.ok(isSmsCodePage(codePage), textOf(codePage.text).slice(0, 300));
      assert.ok(textOf(codePage.text).includes(`+81 •• •••• ${phone.e164.slice(-4)}`), 'the number, masked');
      assert.ok(!codePage.text.includes(phone.e164.slice(3)), 'never in full');
      assert.ok(textOf(codePage.text).includes('Resend code'));
      assert.match(textOf(codePage.text), /You can request a new code in [12] seconds/);

      const sent = await server.outbox(phone.e164);
      assert.equal(sent.length, 1, 'S3: one message to the E.164 number');
      assert.ok(ORIGINATORS.includes(sent[0].originator), 'S3: from a short code of the pool');
      const code = await server.lastCode(phone.e164);

      const wrong = await confirmEnrollment(browser, codePage, code === '000000' ? '111111' : '000000');
      assert.equal(wrong.status, 400);
      assert.ok(textOf(wrong.text).includes('The verification code you entered is incorrect'), 'L3');
      assert.equal((await server.services.sor.listFactors(userId)).length, 0, 'no factor yet');

      const tokens = await callbackOf(await confirmEnrollment(browser, wrong, code), auth);
      assert.deepEqual(tokens.claims()?.amr, ['pwd', 'sms', 'mfa']);
      assert.equal(tokens.claims()?.acr, ACR_MFA);
      const factors = await server.services.sor.listFactors(userId);
      assert.deepEqual(
        factors.map((f) => [f.type, f.data.phone]),
        [['sms', phone.e164]],
      );
      const events = await server.services.sor.listAudit({ userId });
      assert.ok(events.some((e) => e.action === 'factor.enrolled' && e.details.type === 'sms'));
    });

    it('L2, S3, L4: with SMS only, opening the MFA step texts a code (once); the RP sees amr sms', async () => {
      const { browser, auth, page, phone } = await smsUserAtChallenge('smsonly@example.test');
      assert.ok(
        textOf(page.text).includes(`We sent a code by text message to +81 •• •••• ${phone.e164.slice(-4)}`),
      );
      assert.match(page.text, /action="[^"]*\/mfa\/resend"/, 'a resend button');
      assert.equal((await server.outbox(phone.e164)).length, 1);
      const reload = await browser.follow(new URL(page.url));
      assert.ok(isSmsChallenge(reload));
      assert.equal((await server.outbox(phone.e164)).length, 1, 'reloading the page sends nothing new');
      const tokens = await callbackOf(
        await submitCode(browser, reload, await server.lastCode(phone.e164)),
        auth,
      );
      assert.deepEqual(tokens.claims()?.amr, ['pwd', 'sms', 'mfa']);
    });

    it('S3: a resend is refused before the wait with the seconds left; after it the same code comes again from the pool', async () => {
      const { browser, auth, page, phone } = await smsUserAtChallenge('resend@example.test');
      const first = await server.lastCode(phone.e164);
      const early = await resendChallenge(browser, page);
      assert.equal(early.status, 429);
      assert.match(textOf(early.text), /Wait [12] more seconds before requesting a new code/);
      assert.equal((await server.outbox(phone.e164)).length, 1, 'nothing sent');

      await sleep(2100);
      const again = await resendChallenge(browser, early);
      assert.equal(again.status, 200, textOf(again.text).slice(0, 300));
      assert.ok(textOf(again.text).includes('A new text message was sent'));
      const sent = await server.outbox(phone.e164);
      assert.equal(sent.length, 2);
      assert.ok(
        sent.every((m) => ORIGINATORS.includes(m.originator)),
        'S3: both from the pool',
      );
      assert.equal(await server.lastCode(phone.e164), first, 'S3: within the window, the same code');
      const tokens = await callbackOf(await submitCode(browser, again, first), auth);
      assert.deepEqual(tokens.claims()?.amr, ['pwd', 'sms', 'mfa']);
    });

    it('S4, NIST 800-63B: a code is accepted once — two racing posts, one wins; a later replay is refused', async () => {
      const { browser, auth, uid, phone, page } = await smsUserAtChallenge('once@example.test');
      const code = await server.lastCode(phone.e164);
      const url = new URL(`/interaction/${uid}/mfa/verify`, server.issuer);
      const [a, b] = await Promise.all([
        browser.request(url, { form: { method: 'sms', code } }),
        browser.request(url, { form: { method: 'sms', code } }),
      ]);
      const statuses = [a.status, b.status].sort();
      assert.deepEqual(statuses, [303, 401], 'one accepted, one refused');
      const winner = a.status === 303 ? a : b;
      await callbackOf(await browser.follow(url, isCallback, winner), auth);
      void page;

      // A new sign-in texts a new code; the used one does not work there.
      const other = new Browser();
      const next = await passwordStep(other, 'once@example.test');
      assert.ok(isSmsChallenge(next.page));
      const fresh = await server.lastCode(phone.e164);
      if (fresh !== code) {
        const replay = await submitCode(other, next.page, code);
        assert.equal(replay.status, 401);
        assert.ok(textOf(replay.text).includes('The verification code you entered is incorrect'));
      }
      await callbackOf(await submitCode(other, next.page, fresh), next.auth);
    });

    it('S4: five wrong codes void the code; a resend then brings a new one', async () => {
      const { browser, auth, page, phone } = await smsUserAtChallenge('void@example.test');
      const code = await server.lastCode(phone.e164);
      const wrong = code === '000000' ? '111111' : '000000';
      let last = page;
      for (let i = 0; i < 5; i++) {
        last = await submitCode(browser, last, wrong);
        assert.equal(last.status, 401);
      }
      const late = await submitCode(browser, last, code);
      assert.equal(late.status, 401, 'the right code no longer works');
      assert.ok(textOf(late.text).includes('This code has expired'));
      await sleep(2100);
      const again = await resendChallenge(browser, late);
      const fresh = await server.lastCode(phone.e164);
      if (fresh === code) assert.fail('a void code is never sent again');
      await callbackOf(await submitCode(browser, again, fresh), auth);
    });

    it('P5 bypass: a code texted for interaction A is refused in interaction B, and still works in A', async () => {
      const a = await smsUserAtChallenge('two-tabs@example.test');
      const codeA = await server.lastCode(a.phone.e164);
      const browserB = new Browser();
      const b = await passwordStep(browserB, 'two-tabs@example.test');
      assert.ok(isSmsChallenge(b.page));
      const codeB = await server.lastCode(a.phone.e164);
      if (codeA !== codeB) {
        const crossed = await submitCode(browserB, b.page, codeA);
        assert.equal(crossed.status, 401);
      }
      // A's code in A's interaction from B's browser: the interaction cookie is A's, so refused.
      const foreign = await browserB.request(new URL(`/interaction/${a.uid}/mfa/verify`, server.issuer), {
        form: { method: 'sms', code: codeA },
      });
      assert.equal(foreign.status, 400);
      await callbackOf(await submitCode(a.browser, a.page, codeA), a.auth);
      await callbackOf(await submitCode(browserB, b.page, codeB), b.auth);
    });

    it('L2: with the app and SMS, the app is asked first; SMS and a backup code are offered instead', async () => {
      const email = 'both@example.test';
      const userId = await server.createUser(email, PASSWORD, { plan: 'paid' });
      let browser = new Browser();
      const enroll = await passwordStep(browser, email);
      assert.ok(isEnrollment(enroll.page));
      const secret = secretFromPage(enroll.page);
      await browser.submit(enroll.page, { code: await appCode(secret) }, /totp\/confirm$/);
      const phone = nextPhone();
      await server.giveSms(userId, phone.e164);

      browser = new Browser();
      const step = await passwordStep(browser, email);
      assert.ok(isMfaChallenge(step.page));
      assert.match(step.page.text, /name="method" value="totp"/, 'L2: the app first');
      assert.equal((await server.outbox(phone.e164)).length, 0, 'no SMS sent while the app is asked');
      const text = textOf(step.page.text);
      assert.ok(text.includes('Send a code by text message instead'));
      assert.ok(text.includes('Use a backup code (4 left)'));
      const href = /<a href="([^"]*\?method=sms)">/.exec(step.page.text)?.[1];
      assert.ok(href);
      const smsPage = await browser.follow(new URL(href, step.page.url));
      assert.ok(isSmsChallenge(smsPage));
      assert.ok(textOf(smsPage.text).includes('Use your authenticator app'));
      const tokens = await callbackOf(
        await submitCode(browser, smsPage, await server.lastCode(phone.e164)),
        step.auth,
      );
      assert.deepEqual(tokens.claims()?.amr, ['pwd', 'sms', 'mfa']);
    });

    it('S2, X1, X3: blocked countries are refused by name (en, ja), garbage gets a 400, national formats are normalized', async () => {
      await server.createUser('countries@example.test', PASSWORD, { plan: 'paid' });
      const before = (await server.outbox()).length;
      const browser = new Browser();
      const { page } = await passwordStep(browser, 'countries@example.test');
      const phonePage = await chooseSms(browser, page);

      for (const [input, name] of [
        ['+7 912 345-67-89', 'Russia'],
        ['+86 138 0013 8000', 'China'],
      ]) {
        const refused = await sendTo(browser, phonePage, input, '');
        assert.equal(refused.status, 400, input);
        assert.ok(
          textOf(refused.text).includes(`cannot be sent to numbers in ${name}`),
          textOf(refused.text),
        );
      }
      const national = await sendTo(browser, phonePage, '8 (701) 234-56-78', 'KZ');
      assert.equal(national.status, 200, 'Kazakhstan shares +7 with Russia and is not blocked');
      assert.ok(isSmsCodePage(national));

      browser.acceptLanguage = 'ja';
      const jaPhone = await browser.follow(
        new URL(`${new URL(page.url).pathname}?enroll=sms&number=new`, page.url),
      );
      assert.ok(textOf(jaPhone.text).includes('コードを送信'));
      assert.ok(textOf(jaPhone.text).includes('携帯電話番号'));
      const ja = await sendTo(browser, jaPhone, '+98 912 345 6789', '');
      assert.equal(ja.status, 400);
      assert.ok(textOf(ja.text).includes('イラン'), textOf(ja.text));

      for (const garbage of ['not a number', '12', '+999 1234 5678', '090-1234-5678-9999']) {
        const bad = await sendTo(browser, jaPhone, garbage, 'JP');
        assert.equal(bad.status, 400, garbage);
        assert.ok(textOf(bad.text).includes('コードを送信できる携帯電話番号ではありません'));
      }
      const empty = await browser.request(
        new URL(`${new URL(page.url).pathname}/mfa/enroll/sms/send`, page.url),
        {
          form: { country: 'JP', phone: '' },
        },
      );
      assert.equal(empty.status, 400);
      assert.equal((await server.outbox()).length, before + 1, 'only the valid number got a message');

      const fullWidth = jpMobile(9000 + (mode === 'real' ? 1 : 0));
      const wait = await sendTo(
        browser,
        jaPhone,
        fullWidth.national.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
        'JP',
      );
      assert.equal(wait.status, 429, 'another number in the same flow waits for the resend delay');
      await sleep(2100);
      const sent = await sendTo(
        browser,
        jaPhone,
        fullWidth.national.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
        'JP',
      );
      assert.ok(isSmsCodePage(sent));
      assert.ok(textOf(sent.text).includes('コードを再送信'));
      assert.equal((await server.outbox(fullWidth.e164)).length, 1, 'full-width national input → E.164');
    });

    it('S3: across messages the originator varies within the pool', async () => {
      const originators = new Set((await server.outbox()).map((m) => m.originator));
      assert.ok([...originators].every((o) => ORIGINATORS.includes(o)));
      assert.ok(originators.size > 1, `several short codes used: ${[...originators]}`);
    });

    it('S4, T4: no SMS code in plaintext in PostgreSQL rows, Redis keys or the logs', async () => {
      // A live sign-in challenge and a pending enrollment are stored at dump time.
      await smsUserAtChallenge('dump-live@example.test');
      await server.createUser('dump-enroll@example.test', PASSWORD, { plan: 'paid' });
      const browser = new Browser();
      const { page } = await passwordStep(browser, 'dump-enroll@example.test');
      const phone = nextPhone();
      assert.ok(isSmsCodePage(await sendTo(browser, await chooseSms(browser, page), phone.national)));

      const codes = [
        ...new Set(
          (await server.outbox()).map((m) => /\b(\d{6})\b/.exec(m.body)?.[1]).filter((c) => c !== undefined),
        ),
      ];
      assert.ok(codes.length >= 5, 'codes were sent');
      const dumps = [await dumpDatabase(server.services.sor)];
      if (mode === 'real') {
        const redis = await dumpRedis(
          server.services.config.redisUrl!,
          server.services.config.redisKeyPrefix,
        );
        assert.match(redis, /:sms:signin:/, 'challenges are in Redis');
        assert.match(redis, /:sms:enroll:/);
        dumps.push(redis);
      }
      const all = dumps.join('\n');
      assert.ok(all.includes('"type":"sms"'), 'the dump has the SMS factors');
      const logs = server.logs();
      assert.ok(logs.includes('sms code sent'), 'the logs were captured');
      for (const code of codes) {
        assert.ok(!bareCode(code).test(all), `code ${code.slice(0, 2)}…: found in a dump`);
        assert.ok(!bareCode(code).test(logs), `code ${code.slice(0, 2)}…: found in the logs`);
      }
      for (const m of await server.outbox())
        assert.ok(!logs.includes(m.to), 'numbers are logged masked only');
    });
  });
}
