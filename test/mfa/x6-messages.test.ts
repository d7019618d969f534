// X6 (issue 16 items 1, 2): a refused code says what happened — a used backup code, an app code of
// a time step already used, a clock that is off — and attempts left show from the third wrong try,
// in English and Japanese, at sign-in with an openid-client relying party, on both store modes.
import assert from 'node:assert/strict';
import { newBackupCodes } from '../../src/mfa/backup-codes/factor.ts';
import { giveTotp } from '../support/account.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { appCode, isMfaChallenge, submitCode } from '../support/mfa.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

for (const mode of STORE_MODES) {
  describe(`X6: messages that say what happened (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let rp: RelyingParty;

    before(async () => {
      server = await startTestServer(mode);
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    async function userWithApp(email: string) {
      const userId = await server.createUser(email, PASSWORD, { plan: 'paid' });
      return { userId, secret: await giveTotp(server, userId) };
    }

    /** Password step of a fresh authorization, in `lang`; the MFA challenge page. */
    async function challenge(email: string, lang = 'en', method?: string) {
      const browser = new Browser();
      browser.acceptLanguage = lang;
      const auth = await rp.authorize();
      let page = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
      assert.ok(isMfaChallenge(page), textOf(page.text).slice(0, 200));
      if (method)
        page = await browser.follow(new URL(`${new URL(page.url).pathname}?method=${method}`, server.issuer));
      return { browser, page };
    }

    /** A 6-digit code the app shows at no step from −3 to +3 (a plain typo). */
    async function wrongCode(secret: string): Promise<string> {
      const near = new Set(await Promise.all([-3, -2, -1, 0, 1, 2, 3].map((o) => appCode(secret, o))));
      for (let n = 0; ; n++) {
        const code = String(n).padStart(6, '0');
        if (!near.has(code)) return code;
      }
    }

    it('X6, T4: an app code of a step already used says "just used — wait for the next one" (en, ja)', async () => {
      const { secret } = await userWithApp(`reuse-${mode}@example.test`);
      const code = await appCode(secret);
      const first = await challenge(`reuse-${mode}@example.test`);
      assert.equal((await submitCode(first.browser, first.page, code)).status, 0, 'the first use signs in');
      for (const [lang, text] of [
        ['en', 'This code was just used — wait for the next one in your app.'],
        ['ja', 'このコードは使用されたばかりです。アプリに次のコードが表示されるまでお待ちください。'],
      ]) {
        const again = await challenge(`reuse-${mode}@example.test`, lang);
        const reused = await submitCode(again.browser, again.page, code);
        assert.equal(reused.status, 401);
        assert.ok(textOf(reused.text).includes(text), textOf(reused.text).slice(0, 400));
        assert.ok(!textOf(reused.text).includes('incorrect'), 'not called a typo');
      }
    });

    it('X6: a code right only for a step just outside the window gets a clock-drift hint, and is not accepted (en, ja)', async () => {
      const { secret } = await userWithApp(`drift-${mode}@example.test`);
      const en = await challenge(`drift-${mode}@example.test`);
      const late = await submitCode(en.browser, en.page, await appCode(secret, -2));
      assert.equal(late.status, 401, 'refused');
      assert.ok(
        textOf(late.text).includes("Your device's clock may be off"),
        textOf(late.text).slice(0, 400),
      );
      const ja = await challenge(`drift-${mode}@example.test`, 'ja');
      const early = await submitCode(ja.browser, ja.page, await appCode(secret, 2));
      assert.equal(early.status, 401);
      assert.ok(textOf(early.text).includes('デバイスの時刻がずれている可能性があります'));
      const typo = await submitCode(ja.browser, early, await wrongCode(secret));
      assert.ok(
        textOf(typo.text).includes('入力された認証コードが正しくありません。'),
        'a typo is still a typo',
      );
    });

    it('X6, T3: a backup code already used says "This backup code has already been used" (en, ja)', async () => {
      const { userId, secret } = await userWithApp(`backup-${mode}@example.test`);
      const { codes, rows } = await newBackupCodes(userId);
      for (const row of rows) await server.services.sor.insertFactor(row);
      const first = await challenge(`backup-${mode}@example.test`, 'en', 'backup_code');
      assert.equal((await submitCode(first.browser, first.page, codes[0])).status, 0);
      const en = await challenge(`backup-${mode}@example.test`, 'en', 'backup_code');
      const used = await submitCode(en.browser, en.page, codes[0]);
      assert.equal(used.status, 401);
      assert.ok(textOf(used.text).includes('This backup code has already been used.'));
      const ja = await challenge(`backup-${mode}@example.test`, 'ja', 'backup_code');
      const usedJa = await submitCode(ja.browser, ja.page, codes[0]);
      assert.ok(textOf(usedJa.text).includes('このバックアップコードはすでに使用されています。'));
      const wrong = await submitCode(ja.browser, usedJa, 'zzzz-zzzz-zz');
      assert.ok(!textOf(wrong.text).includes('すでに使用されています'), 'a wrong code is not called used');
      void secret;
    });

    it('X6: attempts left show from the third wrong code on, counting down to the lockout (en plural, ja)', async () => {
      const { secret } = await userWithApp(`left-${mode}@example.test`);
      const { browser, page } = await challenge(`left-${mode}@example.test`);
      const wrong = await wrongCode(secret);
      let current: Page = page;
      const notices: string[] = [];
      for (let i = 1; i <= 9; i++) {
        current = await submitCode(browser, current, wrong);
        assert.equal(current.status, 401);
        notices.push(
          /attempts? left|No attempts left/.test(textOf(current.text)) ? textOf(current.text) : '',
        );
      }
      assert.equal(notices[0], '', 'no warning after the first wrong code');
      assert.equal(notices[1], '', 'nor after the second');
      assert.ok(notices[2].includes('7 attempts left before a temporary lockout.'), notices[2].slice(0, 300));
      assert.ok(notices[8].includes('1 attempt left before a temporary lockout.'), 'singular');
      const ja = await challenge(`left-${mode}@example.test`, 'ja');
      const last = await submitCode(ja.browser, ja.page, wrong);
      assert.ok(textOf(last.text).includes('残りの試行回数はありません'), textOf(last.text).slice(0, 300));
      const locked = await submitCode(ja.browser, last, await appCode(secret));
      assert.equal(locked.status, 429, 'the next one is the lockout the notices warned of');
    });
  });
}
