// Issue 16 item 8 (X7, no dead ends): / is a landing page, not a 404; the SSO button shows only when
// an organization has an SSO connection; the sign-out question names the application and the IdP.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as client from 'openid-client';
import { SSO_OFFERED_TTL_MS } from '../../src/sso/offered.ts';
import { PASSWORD, ssoOrg } from '../sso/support.ts';
import { Browser, textOf } from '../support/browser.ts';
import { open, RelyingParty, signInWithPassword } from '../support/rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('X7, issue 16 item 8: landing page and navigation', function () {
  this.timeout(60_000);
  let server: TestServer;
  let rp: RelyingParty;

  before(async () => {
    server = await startTestServer('embedded');
    rp = await RelyingParty.discover(server.issuer);
  });
  after(() => server?.stop());

  it('X7, item 8: / is a landing page with "Sign in to your account" and the discovery URL (en, ja)', async () => {
    const browser = new Browser();
    const en = await browser.request(new URL('/', server.issuer));
    assert.equal(en.status, 200);
    assert.match(en.headers.get('content-type') ?? '', /text\/html/);
    assert.match(en.text, /<a class="button" href="\/account\/login">Sign in to your account<\/a>/);
    assert.ok(en.text.includes(`${server.issuer}/.well-known/openid-configuration`));
    const discovery = await fetch(`${server.issuer}/.well-known/openid-configuration`);
    assert.equal(discovery.status, 200, 'the URL shown answers');
    browser.acceptLanguage = 'ja';
    const ja = await browser.request(new URL('/', server.issuer));
    assert.equal(ja.status, 200);
    assert.ok(textOf(ja.text).includes('アカウントにログイン'), textOf(ja.text));
  });

  it('X7, item 8: the SSO button shows only once an organization has an SSO connection', async () => {
    const signInPage = async () => open(new Browser(), await rp.authorize());
    const without = await signInPage();
    assert.equal(without.status, 200);
    assert.doesNotMatch(without.text, /id="sso"/, 'no organization uses SSO: no SSO button');
    await ssoOrg(server, 'Acme', { issuer: 'http://127.0.0.1:9/nobody', domains: ['acme-landing.test'] });
    await sleep(SSO_OFFERED_TTL_MS + 200);
    const withSso = await signInPage();
    assert.match(withSso.text, /id="sso"[^>]*>Sign in with single sign-on \(SSO\)</);
  });

  it('X7, item 8: the sign-out page names the application and the IdP, not a URL', async () => {
    const email = 'logout-names@example.test';
    await server.createUser(email, PASSWORD);
    const browser = new Browser();
    const { tokens } = await signInWithPassword(browser, rp, email, PASSWORD);
    const endSession = client.buildEndSessionUrl(rp.config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'http://rp.test/',
    });
    const confirm = await browser.follow(endSession);
    assert.equal(confirm.status, 200);
    const text = textOf(confirm.text);
    assert.ok(
      text.includes('Do you want to sign out of Deadbolt? You used it to sign in to First-party app.'),
      text,
    );
    assert.ok(!text.includes(server.issuer), 'no URL in the question');
    browser.acceptLanguage = 'ja';
    const ja = await browser.follow(endSession);
    assert.ok(
      textOf(ja.text).includes('First-party app へのログインに使った Deadbolt からログアウトしますか'),
    );
    const bare = await browser.follow(new URL('/session/end', server.issuer));
    assert.ok(textOf(bare.text).includes('Deadbolt からログアウトしますか'), 'without a client: the IdP');
  });
});
