// Z3: every store call has a bounded wait ending in X2's 503. A hung store (TCP accepted, nothing
// answered: a TCP proxy that stops forwarding) is answered within the configured bound: a 503 page
// for the sign-in pages, a JSON temporarily_unavailable for /token, both with Retry-After; service
// resumes by itself once the store answers again.
import assert from 'node:assert/strict';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { type Authorization, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { REDIS_URL, RP_REDIRECT, startTestServer, type TestServer } from '../support/server.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const PASSWORD = 'a long and correct password';
const UNAVAILABLE = 'The service is temporarily unavailable';
const PARALLEL = 50;

/** Resolves with the promise's value, or rejects once `ms` have passed without one. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function assertUnavailablePage(page: Page): void {
  assert.equal(page.status, 503, `expected 503, got ${page.status}: ${textOf(page.text).slice(0, 200)}`);
  assert.ok(textOf(page.text).includes(UNAVAILABLE), textOf(page.text).slice(0, 300));
  assert.ok(Number(page.headers.get('retry-after')) > 0, 'a Retry-After header');
}

async function redeem(issuer: string, code: string, auth: Authorization): Promise<Response> {
  return fetch(new URL('/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: 'first-party-app',
      redirect_uri: RP_REDIRECT,
      code_verifier: auth.verifier,
    }),
  });
}

async function assertTokenUnavailable(res: Response): Promise<void> {
  assert.equal(res.status, 503, await res.clone().text());
  assert.ok(Number(res.headers.get('retry-after')) > 0, 'a Retry-After header');
  const body = (await res.json()) as { error?: string; access_token?: string };
  assert.equal(body.error, 'temporarily_unavailable');
  assert.equal(body.access_token, undefined);
}

async function untilHealthy(issuer: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await fetch(new URL('/healthz', issuer))).status !== 200) {
    assert.ok(Date.now() < deadline, 'still unhealthy 10 s after the store answered again');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const scenarios = [
  {
    store: 'PostgreSQL',
    // A hung query on an already-open connection, then checkouts and connects: query + connect.
    env: { DATABASE_QUERY_TIMEOUT_MS: '800', DATABASE_CONNECT_TIMEOUT_MS: '800', DATABASE_POOL_SIZE: '4' },
    bound: 800 + 800 + 1500,
  },
  { store: 'Redis', env: { REDIS_COMMAND_TIMEOUT_MS: '200' }, bound: 200 + 600 },
] as const;

for (const { store, env, bound } of scenarios) {
  describe(`Z3: a hung ${store} is answered within the configured bound`, function () {
    this.timeout(60_000);
    let db: TestDatabase;
    let proxy: TcpProxy;
    let server: TestServer;
    let rp: RelyingParty;

    before(async () => {
      db = await createTestDatabase();
      const dbUrl = new URL(db.url);
      const redisUrl = new URL(REDIS_URL);
      const target = store === 'PostgreSQL' ? dbUrl : redisUrl;
      proxy = await startTcpProxy(target.hostname, Number(target.port || (store === 'Redis' ? 6379 : 5432)));
      target.port = String(proxy.port);
      server = await startTestServer('real', {
        // L1 counts every attempt per IP; here all come from one address.
        env: {
          ...env,
          DATABASE_URL: dbUrl.href,
          REDIS_URL: redisUrl.href,
          LOGIN_MAX_ATTEMPTS_PER_IP: '1000',
        },
      });
      await server.createUser('z3@example.test', PASSWORD, { plan: 'free' });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(async () => {
      await server?.stop();
      await proxy?.close();
      await db?.drop();
    });

    it(`Z3: with ${store} hung on open connections, sign-in and /token answer 503 within ${bound} ms, then recover`, async () => {
      const browser = new Browser();
      const auth = await rp.authorize();
      const signInPage = await open(browser, auth);
      assert.match(signInPage.text, /name="password"/);
      const pending = new Browser();
      const pendingAuth = await rp.authorize();
      const callback = await submitPassword(
        pending,
        await open(pending, pendingAuth),
        'z3@example.test',
        PASSWORD,
      );
      const code = new URL(callback.url).searchParams.get('code');
      assert.ok(code);
      // Warm the pool / connection: the hang hits connections that are already open.
      await Promise.all(Array.from({ length: 8 }, () => fetch(new URL('/healthz', server.issuer))));

      proxy.hang();
      try {
        const page = await within(
          bound,
          'sign-in',
          submitPassword(browser, signInPage, 'z3@example.test', PASSWORD),
        );
        assertUnavailablePage(page);
        if (store === 'Redis')
          assertUnavailablePage(await within(bound, '/auth', open(new Browser(), await rp.authorize())));
        await assertTokenUnavailable(await within(bound, '/token', redeem(server.issuer, code, pendingAuth)));
        // Many at once (more than the pool holds) are each answered within the bound too.
        const many = await within(
          bound + 1000,
          `${PARALLEL} parallel sign-ins`,
          Promise.all(
            Array.from({ length: PARALLEL }, () =>
              submitPassword(browser, signInPage, 'z3@example.test', PASSWORD),
            ),
          ),
        );
        // V2: past the per-account limit the parallel attempts are refused (429) before any check.
        for (const res of many) if (res.status !== 429) assertUnavailablePage(res);
        assert.ok(
          many.some((res) => res.status === 503),
          'the checked ones answer 503',
        );
      } finally {
        await proxy.resume();
      }

      await untilHealthy(server.issuer);
      const done = await submitPassword(browser, signInPage, 'z3@example.test', PASSWORD);
      assert.equal(done.status, 0, `signed in after the hang: ${textOf(done.text).slice(0, 200)}`);
      const tokens = await rp.callback(done.url, auth);
      assert.deepEqual(tokens.claims()?.amr, ['pwd']);
    });

    if (store === 'PostgreSQL') {
      it('Z3: connections the network left hung are discarded, not reused: sign-in resumes while they stay hung', async () => {
        await Promise.all(Array.from({ length: 8 }, () => fetch(new URL('/healthz', server.issuer))));
        proxy.hangOpen(); // the pool's open connections never answer again; new ones do
        try {
          const browser = new Browser();
          const auth = await rp.authorize();
          const deadline = Date.now() + 10_000;
          // The sign-in page reads the client from the database too (A2): either step may meet a
          // hung connection once, answered 503 within the bound; then the pool moves on.
          for (;;) {
            assert.ok(Date.now() < deadline, 'still 503 after 10 s: hung connections are being reused');
            const page = await open(browser, auth);
            if (page.status === 503) {
              assertUnavailablePage(page);
              continue;
            }
            const done = await submitPassword(browser, page, 'z3@example.test', PASSWORD);
            if (done.status === 0) {
              assert.deepEqual((await rp.callback(done.url, auth)).claims()?.amr, ['pwd']);
              break;
            }
            assertUnavailablePage(done);
          }
        } finally {
          await proxy.resume();
        }
      });
    }
  });
}
