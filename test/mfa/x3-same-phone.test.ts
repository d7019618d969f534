// X3, T2 (issue 16 item 4): setting up the app on the phone that shows the page — a tappable
// otpauth:// link, and the key in groups of 4 that never break mid-group.
import assert from 'node:assert/strict';
import { Browser, decode } from '../support/browser.ts';
import { appCode, isEnrollment, secretFromPage } from '../support/mfa.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

for (const mode of STORE_MODES) {
  describe(`X3, T2: same-phone app setup (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let rp: RelyingParty;

    before(async () => {
      server = await startTestServer(mode);
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    async function enrollmentPage(email: string, lang: string) {
      await server.createUser(email, PASSWORD, { plan: 'paid' });
      const browser = new Browser();
      browser.acceptLanguage = lang;
      const page = await submitPassword(browser, await open(browser, await rp.authorize()), email, PASSWORD);
      assert.ok(isEnrollment(page));
      return { browser, page };
    }

    it('X3, T2: the enrollment page links the key URI ("Open in your authenticator app") and the link sets up a working app (en, ja)', async () => {
      const { browser, page } = await enrollmentPage(`phone-${mode}@example.test`, 'en');
      const link = /<a href="(otpauth:\/\/[^"]+)" class="button" id="otpauth">([^<]+)<\/a>/.exec(page.text);
      assert.ok(link, 'a tappable otpauth:// link');
      assert.equal(link[2], 'Open in your authenticator app');
      const uri = new URL(decode(link[1]));
      assert.equal(uri.protocol, 'otpauth:');
      const secret = uri.searchParams.get('secret')!;
      assert.equal(secret, secretFromPage(page), 'the link carries the key shown on the page');
      const done = await browser.submit(page, { code: await appCode(secret) }, /confirm$/);
      assert.match(done.text, /id="backup-codes"/, 'a code from the linked key confirms the app');

      const ja = await enrollmentPage(`phone-ja-${mode}@example.test`, 'ja');
      assert.match(ja.page.text, /id="otpauth">認証アプリで開く<\/a>/);
    });

    it('X3: the key is shown as 8 groups of 4, each kept on one line', async () => {
      const { page } = await enrollmentPage(`groups-${mode}@example.test`, 'en');
      const code = /<code class="secret" id="secret">([\s\S]*?)<\/code>/.exec(page.text)![1];
      const groups = [...code.matchAll(/<span class="group">([A-Z2-7]+)<\/span>/g)].map((m) => m[1]);
      assert.equal(groups.length, 8);
      assert.ok(groups.every((g) => g.length === 4));
      const css = await (await fetch(new URL('/static/style.css', server.issuer))).text();
      assert.match(css, /\.secret \.group \{ white-space: nowrap; \}/, 'a group never breaks');
    });
  });
}
