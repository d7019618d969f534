// V4: no link, redirect or form action Deadbolt renders leaves the issuer's origin. Crafted request
// paths (`//evil.example/x`, `/\evil.example`, dot segments, absolute-form targets) and a hostile
// return_to on /account/login only ever yield same-origin hrefs, actions and Locations.
import assert from 'node:assert/strict';
import { Browser } from '../support/browser.ts';
import { linksOf, type RawResponse, rawRequest } from '../support/raw-http.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

const CRAFTED = [
  '//evil.example/x',
  '//a//evil.example/x',
  '/\\evil.example',
  '/\\/evil.example/x',
  '/%2F%2Fevil.example',
  '/%5C%5Cevil.example',
  '/x/..//evil.example/x',
  '//evil.example/interaction/abc',
  '///evil.example/account/security',
];
const RETURN_TO = [
  'https://evil.example/',
  '//evil.example/x',
  '/\\evil.example',
  '/account/../..//evil.example',
];

function assertSameOrigin(issuer: string, res: RawResponse, what: string): string[] {
  const origin = new URL(issuer).origin;
  const urls = linksOf(res.text).filter((l) => !l.startsWith('data:'));
  if (res.headers.location) urls.push(res.headers.location);
  for (const u of urls) {
    assert.equal(new URL(u, issuer).origin, origin, `${what}: "${u}" leaves the issuer's origin`);
    // A browser resolves `/\host` like `//host`: no rendered path may start that way.
    assert.doesNotMatch(u, /^[/\\]{2}|^\/\\/, `${what}: "${u}" is protocol-relative`);
  }
  return urls;
}

for (const mode of STORE_MODES) {
  describe(`V4: rendered links stay on the issuer's origin (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    before(async () => {
      server = await startTestServer(mode);
      await server.createUser('v4@example.test', PASSWORD, { plan: 'free' });
    });
    after(() => server?.stop());

    it('V4: crafted paths (//host, /\\host, dot segments) and a hostile return_to yield only same-origin links and redirects', async () => {
      for (const path of CRAFTED) {
        const res = await rawRequest(server.issuer, path, { headers: { accept: 'text/html' } });
        assert.ok(res.status < 500, `${path}: no 5xx (${res.status})`);
        const urls = assertSameOrigin(server.issuer, res, path);
        if (res.status === 404) {
          const lang = urls.find((u) => u.includes('lang=ja'));
          assert.ok(lang, `${path}: the error page has a language switch`);
          assert.match(lang, /^\/[^/\\]/);
        }
      }
      // return_to only ever names a page under /account (login.ts safeReturnTo).
      for (const returnTo of RETURN_TO) {
        const browser = new Browser();
        const start = new URL('/account/login', server.issuer);
        start.searchParams.set('return_to', returnTo);
        const first = await browser.request(start);
        const location = first.headers.get('location') ?? undefined;
        assertSameOrigin(
          server.issuer,
          { status: first.status, headers: { location }, text: first.text },
          'login',
        );
        // Sign in from there: the destination kept in the login cookie is what we land on.
        let page = await browser.follow(start);
        assert.match(page.text, /name="password"/, 'the sign-in page');
        page = await browser.submit(page, { email: 'v4@example.test', password: PASSWORD }, /\/login$/);
        assert.equal(page.status, 200);
        assert.equal(new URL(page.url).origin, new URL(server.issuer).origin);
        assert.equal(new URL(page.url).pathname, '/account/security');
      }
    });

    it('V4: an absolute-form request target cannot rename the issuer (discovery, /account/login)', async () => {
      const disc = await rawRequest(server.issuer, 'http://evil.example/.well-known/openid-configuration');
      assert.equal(disc.status, 200);
      const doc = JSON.parse(disc.text) as Record<string, unknown>;
      assert.equal(doc.issuer, server.issuer);
      assert.ok(!disc.text.includes('evil.example'), 'discovery names only the issuer');
      const login = await rawRequest(server.issuer, 'http://evil.example/account/login');
      assert.equal(login.status, 302);
      assert.ok(login.headers.location?.startsWith(`${server.issuer}/auth?`), login.headers.location);
    });
  });
}
