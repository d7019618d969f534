// X2: when Redis or PostgreSQL is unreachable, sign-in fails closed with a clear 503 page — no
// authorization code or token is delivered, MFA is never skipped — and service resumes by itself
// when the store returns. The stores sit behind TCP proxies that the tests cut and restore.
import assert from 'node:assert/strict';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { open, RelyingParty, signInWithPassword, submitPassword } from '../support/rp.ts';
import { REDIS_URL, RP_REDIRECT, startTestServer, type TestServer } from '../support/server.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const PASSWORD = 'a long and correct password';
const UNAVAILABLE = 'The service is temporarily unavailable';

function assertUnavailablePage(page: Page): void {
  assert.equal(page.status, 503, `expected 503, got ${page.status}: ${textOf(page.text).slice(0, 200)}`);
  assert.ok(textOf(page.text).includes(UNAVAILABLE), textOf(page.text).slice(0, 300));
  assert.ok(!page.url.startsWith(RP_REDIRECT), 'never sent back to the relying party');
  assert.ok(Number(page.headers.get('retry-after')) > 0, 'a Retry-After header (Z4: /auth too)');
}

interface Health {
  database: { status: string };
  redis: { status: string };
}

describe('X2: store outages (PostgreSQL and Redis behind TCP proxies)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let server: TestServer;
  let rp: RelyingParty;

  const health = async (): Promise<{ status: number; body: Health }> => {
    const res = await fetch(new URL('/healthz', server.issuer));
    return { status: res.status, body: (await res.json()) as Health };
  };

  before(async () => {
    db = await createTestDatabase();
    const dbUrl = new URL(db.url);
    pgProxy = await startTcpProxy(dbUrl.hostname, Number(dbUrl.port || 5432));
    dbUrl.port = String(pgProxy.port);
    const redisUrl = new URL(REDIS_URL);
    redisProxy = await startTcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    redisUrl.port = String(redisProxy.port);
    server = await startTestServer('real', { env: { DATABASE_URL: dbUrl.href, REDIS_URL: redisUrl.href } });
    await server.createUser('plain@example.test', PASSWORD, { plan: 'free' });
    // A member of a paid organization must set up MFA before any code is issued (P1, P5).
    await server.createUser('paid@example.test', PASSWORD, { plan: 'paid' });
    rp = await RelyingParty.discover(server.issuer);
  });
  after(async () => {
    await server?.stop();
    await pgProxy?.close();
    await redisProxy?.close();
    await db?.drop();
  });

  const outages = [
    { store: 'Redis', key: 'redis', proxy: () => redisProxy },
    { store: 'PostgreSQL', key: 'database', proxy: () => pgProxy },
  ] as const;

  for (const { store, key, proxy } of outages) {
    it(`X2: with ${store} down, sign-in fails closed with a 503 page and resumes by itself`, async () => {
      // Before the outage: a sign-in page in progress, a signed-in browser, a code not yet
      // redeemed, and a paid-plan user stopped at the MFA step.
      const browser = new Browser();
      const auth = await rp.authorize();
      const signInPage = await open(browser, auth);
      assert.match(signInPage.text, /name="password"/);
      const signedIn = new Browser();
      await signInWithPassword(signedIn, rp, 'plain@example.test', PASSWORD);
      const pending = new Browser();
      const pendingAuth = await rp.authorize();
      const callback = await submitPassword(
        pending,
        await open(pending, pendingAuth),
        'plain@example.test',
        PASSWORD,
      );
      const code = new URL(callback.url).searchParams.get('code');
      assert.ok(code);
      const mfaUser = new Browser();
      const mfaAuth = await rp.authorize();
      const mfaPage = await submitPassword(
        mfaUser,
        await open(mfaUser, mfaAuth),
        'paid@example.test',
        PASSWORD,
      );
      assert.equal(mfaPage.status, 200);
      assert.match(textOf(mfaPage.text), /requires two-step verification/);

      await proxy().pause();
      try {
        assertUnavailablePage(await submitPassword(browser, signInPage, 'plain@example.test', PASSWORD));
        if (store === 'Redis') assertUnavailablePage(await open(new Browser(), await rp.authorize()));
        // An existing session gets no silent code, and the MFA step is not skipped.
        assertUnavailablePage(await open(signedIn, await rp.authorize({ prompt: 'none' })));
        assertUnavailablePage(await mfaUser.request(mfaPage.url));
        assertUnavailablePage(await open(mfaUser, await rp.authorize()));
        // A code issued before the outage is not redeemed: a JSON 503 the relying party can act on.
        const token = await fetch(new URL('/token', server.issuer), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            client_id: 'first-party-app',
            redirect_uri: RP_REDIRECT,
            code_verifier: pendingAuth.verifier,
          }),
        });
        assert.equal(token.status, 503);
        const body = (await token.json()) as { error?: string; access_token?: string };
        assert.equal(body.error, 'temporarily_unavailable');
        assert.equal(body.access_token, undefined);

        const down = await health();
        assert.equal(down.status, 503);
        assert.equal(down.body[key].status, 'down');
        assert.equal(down.body[key === 'redis' ? 'database' : 'redis'].status, 'up');
      } finally {
        await proxy().resume();
      }

      // Back without a restart: health recovers, and the same page completes a full sign-in.
      const deadline = Date.now() + 10_000;
      while ((await health()).status !== 200) {
        assert.ok(Date.now() < deadline, `${store} still reported down 10 s after it returned`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const done = await submitPassword(browser, signInPage, 'plain@example.test', PASSWORD);
      assert.equal(done.status, 0, `signed in after the outage: ${textOf(done.text).slice(0, 200)}`);
      const tokens = await rp.callback(done.url, auth);
      assert.deepEqual(tokens.claims()?.amr, ['pwd']);
      const silent = await open(signedIn, await rp.authorize({ prompt: 'none' }));
      assert.equal(silent.status, 0, 'the session made before the outage still works');
      // The paid-plan user is still asked for MFA, not waved through.
      const again = await mfaUser.request(mfaPage.url);
      assert.equal(again.status, 200);
      assert.match(textOf(again.text), /requires two-step verification/);
    });
  }
});
