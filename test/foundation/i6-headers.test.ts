// I6: production responses carry HSTS; every HTML page — ours and the provider's own auto-submit
// pages — carries a CSP with form-action allowing 'self' and the registered relying parties (the
// end of every form's redirect chain); behind TRUST_PROXY a missing X-Forwarded-Proto is logged once.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateJwks } from '../../src/config/dev-secrets.ts';
import { Browser } from '../support/browser.ts';
import { RelyingParty, signInWithPassword } from '../support/rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

function directives(csp: string | null): Record<string, string[]> {
  assert.ok(csp, 'a content-security-policy');
  return Object.fromEntries(
    csp.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values];
    }),
  );
}

/** The page's inline script is allowed by its hash, and its forms may post to the RP. */
function assertAutoSubmitCsp(page: { headers: Headers; text: string }) {
  const csp = directives(page.headers.get('content-security-policy'));
  assert.deepEqual(csp['form-action'], ["'self'", 'http://rp.test']);
  assert.deepEqual(csp['frame-ancestors'], ["'none'"]);
  const script = /<script>([\s\S]*?)<\/script>/.exec(page.text)?.[1];
  assert.ok(script, 'an inline auto-submit script');
  const hash = `'sha256-${createHash('sha256').update(script).digest('base64')}'`;
  assert.ok(csp['script-src'].includes(hash), `script-src allows the page's script: ${csp['script-src']}`);
}

describe('I6: security headers', function () {
  this.timeout(60_000);
  let server: TestServer;
  before(async () => {
    server = await startTestServer('embedded');
    await server.createUser('headers@example.test', PASSWORD, { plan: 'free' });
  });
  after(() => server?.stop());

  it('I6: our pages carry a CSP with form-action for self and the relying parties', async () => {
    const rp = await RelyingParty.discover(server.issuer);
    const page = await new Browser().follow((await rp.authorize()).url);
    assert.match(page.text, /name="password"/);
    const csp = directives(page.headers.get('content-security-policy'));
    assert.deepEqual(csp['form-action'], ["'self'", 'http://rp.test']);
    assert.deepEqual(csp['default-src'], ["'none'"]);
  });

  it("I6: the provider's own auto-submit pages (logout without a session, form_post) carry a CSP with form-action", async () => {
    const browser = new Browser();
    const logout = await browser.request(new URL('/session/end', server.issuer));
    assert.equal(logout.status, 200);
    assert.match(logout.headers.get('content-type') ?? '', /text\/html/);
    assertAutoSubmitCsp(logout);

    const rp = await RelyingParty.discover(server.issuer);
    await signInWithPassword(browser, rp, 'headers@example.test', PASSWORD);
    const formPost = await browser.request(
      (await rp.authorize({ response_mode: 'form_post', prompt: 'none' })).url,
    );
    assert.match(formPost.text, /action="http:\/\/rp\.test\/callback"/);
    assertAutoSubmitCsp(formPost);
  });
});

describe('I6: production behind a proxy', function () {
  this.timeout(60_000);
  let server: TestServer;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-i6-'));
    const jwksFile = join(dir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify(await generateJwks()));
    server = await startTestServer('real', {
      captureLogs: true,
      env: {
        NODE_ENV: 'production',
        DATA_DIR: dir,
        TRUST_PROXY: 'true',
        COOKIE_KEYS: randomBytes(32).toString('base64url'),
        JWKS_FILE: jwksFile,
        FACTOR_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64url')}`,
        SMS_MESSAGEBIRD_ACCESS_KEY: 'test-access-key',
        SMS_ORIGINATORS: '10001,10002',
        SMTP_URL: 'smtp://127.0.0.1:1',
        MAIL_FROM: 'no-reply@example.com',
      },
    });
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const warning = /TRUST_PROXY is on but a request came without X-Forwarded-Proto/g;

  it('I6: every response carries HSTS; a request without X-Forwarded-Proto is warned about once', async () => {
    const discovery = new URL('/.well-known/openid-configuration', server.issuer);
    const proxied = await fetch(discovery, { headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(proxied.headers.get('strict-transport-security'), 'max-age=63072000; includeSubDomains');
    assert.equal(proxied.headers.get('content-security-policy'), null, 'the page CSP is for HTML only');
    assert.equal(server.logs().match(warning), null, 'no warning while the proxy says https');
    for (const path of ['/.well-known/openid-configuration', '/account/login', '/nope']) {
      const res = await fetch(new URL(path, server.issuer));
      assert.equal(res.headers.get('strict-transport-security'), 'max-age=63072000; includeSubDomains', path);
    }
    assert.equal(server.logs().match(warning)?.length, 1, 'warned once');
  });
});
