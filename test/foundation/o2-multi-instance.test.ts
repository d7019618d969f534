// O2: every provider model lives in Redis, so instances that share the stores and the secrets are
// interchangeable behind a load balancer: a sign-in may hop between them, and a session outlives
// the instance that created it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { generateJwks } from '../../src/config/dev-secrets.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { isCallback, RelyingParty, signInWithPassword } from '../support/rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const EMAIL = 'roaming@example.test';
const PASSWORD = 'a long and correct password';

describe('O2: several instances share sessions through Redis', function () {
  this.timeout(30_000);
  let dir: string;
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let aStopped = false;
  let rpA: RelyingParty;
  let rpB: RelyingParty;
  let userId: string;

  /** The same URL on instance B: the load balancer sent this request there. */
  const onB = (url: string | URL) => {
    const u = new URL(url);
    const target = new URL(b.url);
    u.protocol = target.protocol;
    u.host = target.host;
    return u;
  };

  /** Follows redirects like Browser.follow, but every hop goes to instance B. */
  async function followOnB(browser: Browser, first: Page): Promise<Page> {
    let page = first;
    for (let i = 0; i < 20 && page.status >= 300 && page.status < 400; i++) {
      const next = new URL(page.headers.get('location') ?? '', page.url);
      if (isCallback(next)) return { status: 0, url: next.href, headers: new Headers(), text: '' };
      page = await browser.request(onB(next));
    }
    return page;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-o2-'));
    const jwksFile = join(dir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify(await generateJwks()));
    db = await createTestDatabase();
    const shared = {
      DATABASE_URL: db.url,
      REDIS_KEY_PREFIX: `deadbolt-test:o2-${randomBytes(6).toString('hex')}:`,
      COOKIE_KEYS: randomBytes(32).toString('base64url'),
      FACTOR_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64url')}`,
      JWKS_FILE: jwksFile,
    };
    a = await startTestServer('real', { env: shared });
    b = await startTestServer('real', { env: { ...shared, ISSUER: a.issuer } });
    assert.notEqual(a.url, b.url, 'two instances on two ports');
    userId = await a.createUser(EMAIL, PASSWORD, { plan: 'free' });
    rpA = await RelyingParty.discover(a.issuer);
    // The relying party knows one issuer (A's URL); here every endpoint is reached through B.
    const meta = (await fetch(new URL('/.well-known/openid-configuration', a.url)).then((r) =>
      r.json(),
    )) as client.ServerMetadata;
    const viaB: client.ServerMetadata = {
      ...meta,
      authorization_endpoint: onB(meta.authorization_endpoint!).href,
      token_endpoint: onB(meta.token_endpoint!).href,
      jwks_uri: onB(meta.jwks_uri!).href,
      userinfo_endpoint: onB(meta.userinfo_endpoint!).href,
    };
    const configB = new client.Configuration(viaB, 'first-party-app', undefined, client.None());
    client.allowInsecureRequests(configB);
    rpB = new RelyingParty(configB);
  });
  after(async () => {
    if (!aStopped) await a?.stop();
    await b?.stop();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('O2: both instances publish the same issuer and the same signing keys', async () => {
    const discovery = async (s: TestServer) =>
      (await fetch(new URL('/.well-known/openid-configuration', s.url)).then((r) => r.json())) as {
        issuer: string;
      };
    assert.equal((await discovery(b)).issuer, a.issuer);
    const jwks = (s: TestServer) => fetch(new URL('/jwks', s.url)).then((r) => r.json());
    assert.deepEqual(await jwks(b), await jwks(a));
  });

  it('O2: a sign-in started on A, answered on B, is redeemed on A', async () => {
    const browser = new Browser();
    const auth = await rpA.authorize();
    const signIn = await browser.follow(auth.url, isCallback);
    assert.equal(new URL(signIn.url).host, new URL(a.url).host, 'the sign-in page came from A');
    assert.match(signIn.text, /name="password"/);
    const interaction = new URL(signIn.url).pathname;

    // The password goes to B, which finds A's interaction in Redis and A's signed cookie valid.
    const answered = await browser.request(onB(`${a.url}${interaction}/login`), {
      form: { email: EMAIL, password: PASSWORD },
    });
    assert.equal(answered.status, 303, textOf(answered.text).slice(0, 200));
    const callback = await followOnB(browser, answered);
    assert.equal(callback.status, 0, `back at the relying party: ${textOf(callback.text).slice(0, 200)}`);
    assert.ok(new URL(callback.url).searchParams.get('code'), 'B issued the code');

    // The code B issued is redeemed at A's token endpoint; the ID token verifies against A's keys.
    const tokens = await rpA.callback(callback.url, auth);
    const claims = tokens.claims()!;
    assert.equal(claims.sub, userId);
    assert.equal(claims.iss, a.issuer);
    assert.deepEqual(claims.amr, ['pwd']);
    const info = await client.fetchUserInfo(rpB.config, tokens.access_token, claims.sub);
    assert.equal(info.email, EMAIL, 'the access token from A works at B');
  });

  it('O2: a session created on A survives A stopping: prompt=none on B signs in silently', async () => {
    const browser = new Browser();
    const first = await signInWithPassword(browser, rpA, EMAIL, PASSWORD);
    const authTime = first.tokens.claims()!.auth_time;

    await a.stop();
    aStopped = true;
    await assert.rejects(fetch(new URL('/healthz', a.url)), 'A is gone');

    const auth = await rpB.authorize({ prompt: 'none' });
    const back = await followOnB(browser, await browser.request(auth.url));
    assert.equal(
      back.status,
      0,
      `expected the callback, got ${back.status}: ${textOf(back.text).slice(0, 200)}`,
    );
    assert.equal(new URL(back.url).searchParams.get('error'), null);
    const tokens = await rpB.callback(back.url, auth);
    assert.equal(tokens.claims()?.sub, userId);
    assert.equal(tokens.claims()?.auth_time, authTime, 'the same session, not a new sign-in');
  });
});
