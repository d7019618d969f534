// E5 (with E2, E3, P1, P3, P5, L4, X2): the example host in examples/existing-provider — a plain
// node-oidc-provider 9 + koa app with its own login page and in-memory users — installed with
// Deadbolt from the packed tarball into a directory outside the repository, driven end to end by
// openid-client and a cookie-jar browser.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { decodeJwt } from 'jose';
import type * as oidc from 'openid-client';
import { defaultMfaPolicy, type MfaPolicy } from '../../src/mfa/policy.ts';
import { ACR_MFA } from '../../src/oidc/acr.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import {
  ALICE,
  BOB,
  EXAMPLE,
  type HostModule,
  hostPassword,
  installExample,
  startHost,
  type UsersModule,
} from '../support/example-host.ts';
import {
  appCode,
  backupCodesFromPage,
  finishFromCodesPage,
  isEnrollment,
  isMfaChallenge,
  secretFromPage,
  submitCode,
} from '../support/mfa.ts';
import { REPO } from '../support/package.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { isCallback, open, RelyingParty } from '../support/rp.ts';
import { REDIS_URL, RP_REDIRECT, STORE_MODES } from '../support/server.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const JA_INVALID = (
  JSON.parse(await readFile(join(REPO, 'src/i18n/ja.json'), 'utf8')) as Record<string, string>
)['reauth.invalid'];
const amrOf = (tokens: { id_token?: string }) => decodeJwt(tokens.id_token ?? '').amr;

describe('E5: the example host mounts Deadbolt from the packed tarball', function () {
  this.timeout(240_000);
  let dir: string;
  let host: HostModule;
  let users: UsersModule;

  before(async () => {
    dir = await installExample();
    host = (await import(pathToFileURL(join(dir, 'host.js')).href)) as HostModule;
    users = (await import(pathToFileURL(join(dir, 'users.js')).href)) as UsersModule;
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('E5: the example mounts Deadbolt in about 20 lines of its host.js', async () => {
    const source = await readFile(join(EXAMPLE, 'host.js'), 'utf8');
    const from = source.indexOf('const deadbolt = await createDeadbolt(');
    const to = source.indexOf('app.use(deadbolt.routes(provider));');
    const lines = source.slice(from, to).split('\n').length;
    assert.ok(from > 0 && to > from && lines <= 25, `${lines} lines`);
    assert.doesNotMatch(
      await readFile(join(EXAMPLE, 'login.js'), 'utf8'),
      /deadbolt/i,
      'the login page knows nothing of it',
    );
  });

  for (const mode of STORE_MODES) {
    describe(`on ${mode} stores`, () => {
      let server: Server;
      let issuer: string;
      let rp: RelyingParty;
      let running: { close(): Promise<void> };
      let db: TestDatabase | undefined;
      let pgProxy: TcpProxy | undefined;
      let redis: Redis | undefined;
      let keyPrefix = '';
      /** The host's own policy hook: demands MFA for the accounts listed here (P3). */
      const demand = new Set<string>();
      const policy: MfaPolicy = (context) =>
        defaultMfaPolicy(demand.has(context.user.id) ? { ...context, requestedAcr: [ACR_MFA] } : context);

      before(async () => {
        let stores: object = { dataDir: ':memory:' };
        if (mode === 'real') {
          db = await createTestDatabase();
          const url = new URL(db.url);
          pgProxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
          url.port = String(pgProxy.port);
          const redisKeyPrefix = `deadbolt-test:${randomBytes(6).toString('hex')}:`;
          // E2: the host hands Deadbolt its own ioredis client (the reference server's tests cover REDIS_URL).
          redis = new Redis(REDIS_URL, {
            enableOfflineQueue: false,
            commandTimeout: 1000,
            maxRetriesPerRequest: 1,
          });
          keyPrefix = redisKeyPrefix;
          stores = { databaseUrl: url.href, redis, redisKeyPrefix, dataDir: ':memory:' };
        }
        ({ server, issuer, running } = await startHost(host, { stores, policy }));
        rp = await RelyingParty.discover(issuer);
      });
      after(async () => {
        await new Promise((resolve) => server?.close(resolve));
        await running?.close();
        if (redis) {
          // The host's client stays open after deadbolt.close(), and held Deadbolt's state.
          assert.equal(redis.status, 'ready');
          const keys = await redis.keys(`${keyPrefix}*`);
          assert.ok(keys.length > 0, "Deadbolt's sessions and marks went through the host's client");
          if (keys.length > 0) await redis.del(...keys);
          redis.disconnect();
        }
        await pgProxy?.close();
        await db?.drop();
      });

      it("E5, P1, P5, L4: a paying company's user signs in at the host's page, enrolls on Deadbolt's page, then is challenged; amr pwd otp mfa", async () => {
        const browser = new Browser();
        const auth = await rp.authorize({ scope: 'openid email' });
        const enroll = await hostPassword(browser, await open(browser, auth), ALICE);
        assert.ok(isEnrollment(enroll), `Deadbolt's enrollment: ${textOf(enroll.text).slice(0, 300)}`);
        const secret = secretFromPage(enroll);
        const codes = await browser.submit(
          enroll,
          { code: await appCode(secret) },
          /\/enroll\/totp\/confirm$/,
        );
        assert.ok(backupCodesFromPage(codes).length > 0, 'backup codes shown');
        const done = await finishFromCodesPage(browser, codes);
        const tokens = await rp.callback(done.url, auth);
        assert.deepEqual(amrOf(tokens), ['pwd', 'otp', 'mfa']);
        assert.equal(decodeJwt(tokens.id_token ?? '').acr, ACR_MFA);

        const later = new Browser();
        const again = await rp.authorize({ scope: 'openid email' });
        const challenge = await hostPassword(later, await open(later, again), ALICE);
        assert.ok(isMfaChallenge(challenge), `the challenge: ${textOf(challenge.text).slice(0, 300)}`);
        const wrong = await submitCode(later, challenge, '000000');
        assert.match(textOf(wrong.text), /The verification code you entered is incorrect/);
        const back = await submitCode(later, wrong, await appCode(secret, 1));
        assert.deepEqual(amrOf(await rp.callback(back.url, again)), ['pwd', 'otp', 'mfa']);
      });

      it("E2, P1: the host's plan data decides through the port — prompt=none with a password-only session gives interaction_required once the company pays", async () => {
        const browser = new Browser();
        const auth = await rp.authorize({ scope: 'openid email' });
        const done = await hostPassword(browser, await open(browser, auth), BOB);
        assert.ok(isCallback(new URL(done.url)), 'a free company: no MFA asked');
        assert.deepEqual(amrOf(await rp.callback(done.url, auth)), ['pwd']);
        try {
          users.setPaying('u-bob', true);
          const silent = await rp.authorize({ scope: 'openid email', prompt: 'none' });
          const answer = await open(browser, silent);
          assert.equal(new URL(answer.url).searchParams.get('error'), 'interaction_required');
        } finally {
          users.setPaying('u-bob', false);
        }
      });

      it('P3, E3: a host-supplied policy hook is honoured at sign-in and at the token endpoint', async () => {
        // At the token endpoint: a code from a password-only sign-in, then the hook demands MFA.
        const browser = new Browser();
        const auth = await rp.authorize({ scope: 'openid email' });
        const done = await hostPassword(browser, await open(browser, auth), BOB);
        demand.add('u-bob');
        try {
          await assert.rejects(rp.callback(done.url, auth), (err: oidc.ResponseBodyError) => {
            assert.equal(err.error, 'invalid_grant');
            return true;
          });
          // At sign-in: the same hook sends him to Deadbolt's page (enrollment: he has no method).
          const fresh = new Browser();
          const next = await hostPassword(fresh, await open(fresh, await rp.authorize()), BOB);
          assert.ok(isEnrollment(next), `Deadbolt's page: ${textOf(next.text).slice(0, 300)}`);
        } finally {
          demand.delete('u-bob');
        }
      });

      if (mode === 'real') {
        it('X2: with PostgreSQL down the sign-in fails closed (no code, MFA never skipped), and resumes after', async () => {
          const browser = new Browser();
          const auth = await rp.authorize({ scope: 'openid email' });
          const login = await open(browser, auth);
          await pgProxy?.pause();
          let answer: Page;
          try {
            answer = await hostPassword(browser, login, ALICE);
          } finally {
            await pgProxy?.resume();
          }
          assert.ok(!answer.url.startsWith(RP_REDIRECT), 'never sent back to the relying party');
          assert.ok(answer.status >= 500, `an error page (${answer.status})`);
          const retry = new Browser();
          const page = await hostPassword(retry, await open(retry, await rp.authorize()), ALICE);
          assert.ok(isMfaChallenge(page), 'asked for the second factor again');
        });
      }
    });
  }

  describe("T1, E2: re-authentication through the port and the pages in the host's look (embedded stores)", () => {
    let started: Awaited<ReturnType<typeof startHost>>;
    let rp: RelyingParty;
    const policy: MfaPolicy = (context) => defaultMfaPolicy({ ...context, requestedAcr: [ACR_MFA] });
    before(async () => {
      started = await startHost(host, {
        stores: { dataDir: ':memory:' },
        policy, // MFA for everyone here, so Bob enrolls
        settings: { REAUTH_WINDOW_SECONDS: '1' },
        pages: {
          brand: { name: 'Example Inc.', stylesheetUrl: '/example.css' },
          strings: { en: { 'reauth.invalid': 'That is not your Example password.' } },
        },
      });
      rp = await RelyingParty.discover(started.issuer);
    });
    after(async () => {
      await new Promise((resolve) => started?.server.close(resolve));
      await started?.running.close();
    });

    it("X1, E3: bad input to Deadbolt's routes on the host gets a clear 4xx page, never a 500", async () => {
      const browser = new Browser();
      const url = new URL('/interaction/not-an-interaction/mfa/verify', started.issuer);
      const forged = await browser.request(url, { form: { code: '123456' } });
      assert.equal(forged.status, 400);
      assert.doesNotMatch(forged.text, /at .*\.js:\d+/, 'no stack trace');
      const huge = await browser.request(url, { form: { code: 'x'.repeat(200_000) } });
      assert.ok(huge.status === 413 || huge.status === 400, `${huge.status}`);
      const other = await browser.request(new URL('/interaction/x/mfa/nothing-here', started.issuer), {
        form: {},
      });
      assert.ok(other.status >= 400 && other.status < 500, `${other.status}`);
    });

    it("T1, E2: once the host's password is no longer fresh, adding the app asks for it again and the port checks it; the host's brand and strings show", async () => {
      const browser = new Browser();
      const first = await hostPassword(browser, await open(browser, await rp.authorize()), BOB);
      assert.ok(isEnrollment(first), "fresh from the host's password: straight to the app");
      assert.match(first.text, /<span>Example Inc\.<\/span>/, "the host's brand in the header");
      assert.match(first.text, /<link rel="stylesheet" href="\/example.css">/, "the host's stylesheet");
      await new Promise((resolve) => setTimeout(resolve, 2100)); // REAUTH_WINDOW_SECONDS=1 has passed
      const reauth = await browser.request(first.url);
      assert.match(textOf(reauth.text), /Confirm your password/);
      const wrong = await browser.submit(reauth, { password: 'not bob password' }, /\/mfa\/reauth/);
      assert.equal(wrong.status, 401);
      assert.match(textOf(wrong.text), /That is not your Example password\./, "the host's string (en)");
      browser.acceptLanguage = 'ja';
      const ja = await browser.submit(wrong, { password: 'still not it' }, /\/mfa\/reauth/);
      assert.equal(ja.status, 401);
      assert.ok(textOf(ja.text).includes(JA_INVALID), 'Japanese keeps its own string');
      browser.acceptLanguage = 'en';
      const again = await browser.submit(ja, { password: BOB.password }, /\/mfa\/reauth/);
      assert.ok(
        isEnrollment(again),
        `the app's enrollment after the port said yes: ${textOf(again.text).slice(0, 200)}`,
      );
    });
  });
});
