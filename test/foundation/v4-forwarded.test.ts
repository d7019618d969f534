// V4 behind a proxy (TRUST_PROXY=true): forwarded headers never rename the issuer. Discovery and
// every redirect name only ISSUER whatever X-Forwarded-Host/-Proto say (or an absolute-form target);
// X-Forwarded-Proto `https` still marks the request secure (Secure cookies) and X-Forwarded-For still
// names the client (L1 per-IP limit). Discovery and JWKS are cacheable.
import assert from 'node:assert/strict';
import { rawRequest } from '../support/raw-http.ts';
import { RelyingParty } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const EVIL: Record<string, string>[] = [
  { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
  { 'x-forwarded-host': 'evil.example:8443, other.example', 'x-forwarded-proto': 'javascript' },
  { host: 'evil.example', 'x-forwarded-proto': 'https, http' },
];

/** Every string in a JSON document that looks like a URL. */
function urlsIn(value: unknown): string[] {
  if (typeof value === 'string') return /^https?:/i.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(urlsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(urlsIn);
  return [];
}

for (const mode of STORE_MODES) {
  describe(`V4: forwarded headers cannot rename the issuer (${mode} stores, TRUST_PROXY=true)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let rp: RelyingParty;
    before(async () => {
      server = await startTestServer(mode, {
        env: { TRUST_PROXY: 'true', LOGIN_MAX_ATTEMPTS_PER_IP: '2' },
      });
      await server.createUser('v4@example.test', PASSWORD, { plan: 'free' });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    it('V4: discovery names only the issuer whatever X-Forwarded-Host/-Proto say, and is cacheable', async () => {
      for (const headers of EVIL) {
        const res = await rawRequest(server.issuer, '/.well-known/openid-configuration', { headers });
        assert.equal(res.status, 200);
        const doc = JSON.parse(res.text) as { issuer: string };
        assert.equal(doc.issuer, server.issuer);
        const urls = urlsIn(doc);
        assert.ok(urls.length > 5);
        for (const u of urls)
          assert.ok(
            u === server.issuer || u.startsWith(`${server.issuer}/`),
            `${u} (with ${JSON.stringify(headers)})`,
          );
        assert.equal(res.headers['cache-control'], 'public, max-age=300');
      }
      const jwks = await rawRequest(server.issuer, '/jwks', { headers: EVIL[0] });
      assert.equal(jwks.status, 200);
      assert.equal(jwks.headers['cache-control'], 'public, max-age=300');
    });

    /** /auth → the sign-in page's uid and cookies, sent with `headers`. */
    const startSignIn = async (headers: Record<string, string>) => {
      const auth = await rp.authorize({ prompt: 'login' });
      const res = await rawRequest(server.issuer, `${auth.url.pathname}${auth.url.search}`, {
        headers: { ...headers, accept: 'text/html' },
      });
      assert.equal(res.status, 303, res.text.slice(0, 200));
      const location = res.headers.location ?? '';
      const uid = /^(?:[a-z]+:\/\/[^/]+)?\/interaction\/([^/?]+)$/.exec(location)?.[1];
      assert.ok(uid, location);
      const cookies = res.headers['set-cookie'] ?? [];
      return { uid, location, cookies, cookie: cookies.map((c) => c.split(';')[0]).join('; ') };
    };
    const postLogin = (
      uid: string,
      cookie: string,
      headers: Record<string, string>,
      email: string,
      password: string,
    ) =>
      rawRequest(server.issuer, `/interaction/${uid}/login`, {
        method: 'POST',
        headers: {
          ...headers,
          cookie,
          accept: 'text/html',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ email, password }).toString(),
      });
    const assertIssuerUrl = (location: string | undefined, what: string) => {
      assert.ok(location, `${what}: a Location`);
      assert.equal(
        new URL(location, server.issuer).origin,
        new URL(server.issuer).origin,
        `${what}: ${location}`,
      );
      assert.doesNotMatch(location, /^[/\\]{2}|evil/, `${what}: ${location}`);
    };

    it('V4: /auth and the sign-in redirect back to the provider are issuer-based whatever the forwarded headers say', async () => {
      for (const [i, evil] of EVIL.entries()) {
        const what = JSON.stringify(evil);
        const headers = { ...evil, 'x-forwarded-for': `10.8.0.${i}` }; // each its own L1 budget
        const { uid, location, cookie } = await startSignIn(headers);
        assertIssuerUrl(location, `/auth ${what}`);
        const done = await postLogin(uid, cookie, headers, 'v4@example.test', PASSWORD);
        assert.equal(done.status, 303, done.text.slice(0, 200));
        assert.ok(new URL(done.headers.location ?? '', server.issuer).pathname.startsWith('/auth/'));
        assertIssuerUrl(done.headers.location, `login ${what}`);
      }
    });

    it('V4: X-Forwarded-Proto only marks the request secure (exactly "https"); X-Forwarded-For still names the client', async () => {
      const secure = /;\s*secure/i;
      for (const c of (await startSignIn({ 'x-forwarded-proto': 'https' })).cookies)
        assert.match(c, secure, c);
      for (const proto of ['javascript', 'https, http', 'HTTPS ']) {
        const { cookies, location } = await startSignIn({ 'x-forwarded-proto': proto });
        assertIssuerUrl(location, proto);
        for (const c of cookies) assert.doesNotMatch(c, secure, `${proto}: ${c}`);
      }
      // L1 per IP (limit 2 here) counts the address the balancer appended, not a client-sent one.
      const attempt = async (ip: string) => {
        const { uid, cookie } = await startSignIn({
          'x-forwarded-for': ip,
          'x-forwarded-host': 'evil.example',
        });
        const headers = { 'x-forwarded-for': `198.51.100.7, ${ip}`, 'x-forwarded-host': 'evil.example' };
        return (await postLogin(uid, cookie, headers, 'nobody@example.test', 'guess')).status;
      };
      assert.deepEqual(
        [await attempt('10.9.0.1'), await attempt('10.9.0.1'), await attempt('10.9.0.1')],
        [401, 401, 429],
      );
      assert.equal(await attempt('10.9.0.2'), 401, 'another client is not limited');
    });
  });
}
