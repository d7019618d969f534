// X1: bad input — malformed forms, unknown interaction ids, oversized bodies, odd Unicode, tampered
// cookies — gets a clear 4xx page or JSON error, never a 500 or a stack trace, and changes nothing
// stored. Run against the embedded stores and against PostgreSQL + Redis.
import assert from 'node:assert/strict';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { open, RelyingParty, signInWithPassword } from '../support/rp.ts';
import { RP_REDIRECT, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const FORM = 'application/x-www-form-urlencoded';
const EXPIRED = 'This sign-in page has expired or was already used.';
const MISSING = 'Enter your e-mail address and password.';
const INVALID = 'The e-mail address or password is incorrect.';

/** A stack frame, a source path or a module path: nothing a user should ever see. */
const LEAK = /\n\s+at |\bat [\w.<>]+ \(|node_modules|\/work\/|\/src\/|\.ts:\d+|Error: /;

function assertClear(page: Page, status: number, message?: string): void {
  const text = textOf(page.text);
  assert.equal(page.status, status, `expected ${status}, got ${page.status}: ${text.slice(0, 200)}`);
  assert.doesNotMatch(page.text, LEAK, 'no stack trace or file path in the body');
  if (message) assert.ok(text.includes(message), `"${message}" in: ${text.slice(0, 300)}`);
}

for (const mode of STORE_MODES) {
  describe(`X1: bad input (${mode} stores)`, function () {
    this.timeout(30_000);
    let server: TestServer;
    let rp: RelyingParty;
    let usersBefore: unknown;
    let auditBefore: unknown;
    let factorsBefore: unknown;
    let userId: string;
    const email = 'x1-user@example.test';
    const password = 'a long and correct password';

    /** A fresh browser on the sign-in page; `action` is the password form's URL. */
    async function signInPage() {
      const browser = new Browser();
      const page = await open(browser, await rp.authorize());
      assert.equal(page.status, 200);
      const action = new URL(`${new URL(page.url).pathname}/login`, server.issuer);
      return { browser, page, action };
    }

    const post = (
      browser: Browser,
      url: URL,
      body: string,
      type = FORM,
      headers: Record<string, string> = {},
    ) => browser.request(url, { method: 'POST', body, headers: { 'content-type': type, ...headers } });

    /** After a bad request, this browser holds no session: a silent authorization is refused. */
    async function assertSignedOut(browser: Browser) {
      const silent = await open(browser, await rp.authorize({ prompt: 'none' }));
      assert.equal(new URL(silent.url).searchParams.get('error'), 'login_required');
    }

    before(async () => {
      server = await startTestServer(mode);
      userId = await server.createUser(email, password, { plan: 'free' });
      rp = await RelyingParty.discover(server.issuer);
      const { sor } = server.services;
      usersBefore = await sor.listUsers();
      auditBefore = await sor.listAudit({});
      factorsBefore = await sor.listFactors(userId);
    });
    after(() => server?.stop());

    it('X1: an unknown interaction id is a 400 page on GET and on POST', async () => {
      const browser = new Browser();
      for (const path of [
        '/interaction/no-such-uid',
        '/interaction/%E0%A4%A',
        `/interaction/${'u'.repeat(3000)}`,
      ]) {
        assertClear(await browser.request(new URL(path, server.issuer)), 400, EXPIRED);
      }
      const posted = await post(
        browser,
        new URL('/interaction/no-such-uid/login', server.issuer),
        new URLSearchParams({ email, password }).toString(),
      );
      assertClear(posted, 400, EXPIRED);
      // A client that asks for JSON gets a JSON error instead of a page.
      const json = await browser.request(new URL('/interaction/no-such-uid', server.issuer), {
        headers: { accept: 'application/json' },
      });
      assert.equal(json.status, 400);
      assert.equal((JSON.parse(json.text) as { error: string }).error, 'http_400');
    });

    it('X1: malformed sign-in forms get a clear 4xx page, and the page keeps working', async () => {
      const { browser, action } = await signInPage();
      assertClear(await post(browser, action, ''), 400, MISSING);
      assertClear(await post(browser, action, `email=${encodeURIComponent(email)}`), 400, MISSING);
      const huge = new URLSearchParams({ email, password: 'x'.repeat(20_000) }).toString();
      assertClear(await post(browser, action, huge), 413, 'The request is too large.');
      assertClear(await post(browser, action, 'email[]=a&email[]=b&password=x'), 400, MISSING);
      assertClear(await post(browser, action, 'email=a@x.test&email=b@x.test&password=x'), 400, MISSING);
      assertClear(await post(browser, action, 'email[a][b]=c&password[]=x'), 400, MISSING);
      const json = JSON.stringify({ email, password });
      assertClear(await post(browser, action, json, 'application/json'), 415, 'not accepted');
      assertClear(await post(browser, action, 'email=a', 'text/plain'), 415, 'not accepted');
      // A body that claims gzip but is not: undecodable, the client's fault.
      assertClear(
        await post(browser, action, 'email=a&password=b', FORM, { 'content-encoding': 'gzip' }),
        400,
      );
      // None of that spent the interaction: the right password still signs in.
      const done = await post(browser, action, new URLSearchParams({ email, password }).toString());
      assert.equal(done.status, 303);
      const page = await browser.follow(new URL(done.headers.get('location')!, action), (u) =>
        u.href.startsWith(RP_REDIRECT),
      );
      assert.ok(new URL(page.url).searchParams.get('code'), 'the flow still completes');
    });

    it('X1: odd Unicode (NUL, RTL override, lone surrogates) is a 4xx, never a 500', async () => {
      const { browser, action } = await signInPage();
      const nul = `email=${encodeURIComponent(email)}%00&password=${encodeURIComponent(password)}%00`;
      assertClear(await post(browser, action, nul), 400, MISSING);
      // U+202E RIGHT-TO-LEFT OVERRIDE in front of the real e-mail: not the same account.
      const rtl = `email=%E2%80%AE${encodeURIComponent(email)}&password=${encodeURIComponent(password)}`;
      assertClear(await post(browser, action, rtl), 401, INVALID);
      // A lone surrogate (U+D800 as CESU-8 bytes) and a cut-off percent escape.
      assertClear(
        await post(browser, action, 'email=%ED%A0%80%40example.test&password=%ED%A0%80'),
        401,
        INVALID,
      );
      assertClear(await post(browser, action, 'email=%E0%A4%A&password=%'), 401, INVALID);
      await assertSignedOut(browser);
    });

    it('X1: a tampered interaction cookie, or the cookie of another interaction, is a 400', async () => {
      const a = await signInPage();
      const credentials = new URLSearchParams({ email, password }).toString();
      const sig = [...a.browser.jar.values()].find((c) => c.name === '_interaction.sig');
      assert.ok(sig, 'the interaction cookie is signed');
      const original = sig.value;
      sig.value = `${original.slice(0, -1)}${original.endsWith('A') ? 'B' : 'A'}`;
      assertClear(await a.browser.request(a.page.url), 400, EXPIRED);
      assertClear(await post(a.browser, a.action, credentials), 400, EXPIRED);
      await assertSignedOut(a.browser);

      // Browser B replays its own (valid) interaction cookie against A's interaction.
      const b = await signInPage();
      const cookieOfB = b.browser.cookieHeader(b.action);
      const foreign = await fetch(a.action, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': FORM, accept: 'text/html', cookie: cookieOfB },
        body: credentials,
      });
      assertClear(
        { status: foreign.status, text: await foreign.text(), url: '', headers: foreign.headers },
        400,
      );
      await assertSignedOut(b.browser);
      // With its real cookie restored, A's interaction was not spent by any of this.
      sig.value = original;
      const page = await a.browser.request(a.page.url);
      assert.equal(page.status, 200);
      assert.match(page.text, /name="password"/);
    });

    it('X1: an unknown client or an unregistered redirect_uri at /auth is a 4xx page', async () => {
      const browser = new Browser();
      const auth = await rp.authorize();
      const unknownClient = new URL(auth.url);
      unknownClient.searchParams.set('client_id', 'no-such-client');
      const page = await browser.request(unknownClient);
      assertClear(page, 400, 'The application sent an invalid sign-in request.');
      assert.match(textOf(page.text), /invalid_client/);
      assert.equal(page.headers.get('location'), null, 'never redirected anywhere');

      const badRedirect = new URL(auth.url);
      badRedirect.searchParams.set('redirect_uri', 'https://attacker.test/callback');
      const refused = await browser.request(badRedirect);
      assertClear(refused, 400, 'The application sent an invalid sign-in request.');
      assert.match(textOf(refused.text), /invalid_redirect_uri/);
      assert.equal(refused.headers.get('location'), null, 'the code never travels to an unregistered URI');
    });

    it('X1: garbage at /token gets a JSON 4xx error', async () => {
      const token = new URL('/token', server.issuer);
      const cases: Array<{ body: string; type: string }> = [
        { body: 'garbage', type: FORM },
        { body: '{"grant_type":', type: 'application/json' },
        {
          body: `grant_type=authorization_code&code=forged&client_id=first-party-app&redirect_uri=${encodeURIComponent(RP_REDIRECT)}&code_verifier=${'v'.repeat(43)}`,
          type: FORM,
        },
        {
          body: 'grant_type=authorization_code&grant_type=refresh_token&client_id=first-party-app',
          type: FORM,
        },
        { body: `client_id=first-party-app&x=${'a'.repeat(200_000)}`, type: FORM },
      ];
      for (const { body, type } of cases) {
        const res = await fetch(token, { method: 'POST', headers: { 'content-type': type }, body });
        const text = await res.text();
        assert.ok(res.status >= 400 && res.status < 500, `${res.status} for ${body.slice(0, 40)}`);
        assert.match(res.headers.get('content-type') ?? '', /application\/json/);
        const parsed = JSON.parse(text) as { error?: string };
        assert.ok(parsed.error && /^[a-z_]+$/.test(parsed.error), text);
        assert.doesNotMatch(text, LEAK);
      }
    });

    it('X1: nothing stored changed — users, factors and the audit log are as before', async () => {
      const { sor } = server.services;
      assert.deepEqual(await sor.listUsers(), usersBefore);
      assert.deepEqual(await sor.listAudit({}), auditBefore);
      assert.deepEqual(await sor.listFactors(userId), factorsBefore);
      // And the account still signs in normally.
      const { tokens } = await signInWithPassword(new Browser(), rp, email, password);
      assert.equal(tokens.claims()?.sub, userId);
    });
  });
}
