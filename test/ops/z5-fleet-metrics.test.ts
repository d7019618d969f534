// Z5: fleet metrics. After real sign-ins (a wrong password, a refused one, a TOTP code wrong then
// right, a replayed code, a lockout, an SMS sent to the outbox) and store outages, /metrics shows
// each of them by method and result, with bounded labels, on both store modes.
import assert from 'node:assert/strict';
import { giveTotp } from '../support/account.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { appCode, isMfaChallenge, submitCode } from '../support/mfa.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { REDIS_URL, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';
import { isSmsChallenge, jpMobile, PASSWORD, type SmsTestServer, startSmsServer } from '../support/sms.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { sample, scrape } from './metrics.ts';

for (const mode of STORE_MODES) {
  describe(`Z5: fleet metrics (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: SmsTestServer;
    let rp: RelyingParty;
    let last = '';
    const moved = async (name: string, labels: Record<string, string>, by = 1) => {
      const after = await scrape(server.issuer);
      assert.equal(
        sample(after, name, labels) - sample(last, name, labels),
        by,
        `${name}${JSON.stringify(labels)} moved by ${by}`,
      );
      last = after;
    };
    const passwordStep = async (browser: Browser, email: string, password = PASSWORD): Promise<Page> =>
      submitPassword(browser, await open(browser, await rp.authorize()), email, password);
    const totpUser = async (email: string) => {
      const userId = await server.createUser(email, PASSWORD, { plan: 'paid' });
      return giveTotp(server, userId);
    };

    before(async () => {
      server = await startSmsServer(mode, {
        env: { LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '2', MFA_LOCKOUT_THRESHOLD: '2' },
      });
      rp = await RelyingParty.discover(server.issuer);
      last = await scrape(server.issuer);
    });
    after(() => server?.stop());

    it('Z5: password sign-ins by result: wrong_password, rate_limited (and the limiter), success', async () => {
      await server.createUser('plain@example.test', PASSWORD);
      const browser = new Browser();
      assert.equal((await passwordStep(browser, 'plain@example.test', 'wrong password 1')).status, 401);
      await moved('deadbolt_sign_ins_total', { method: 'password', result: 'wrong_password' });
      await passwordStep(browser, 'plain@example.test', 'wrong password 2');
      const limited = await passwordStep(browser, 'plain@example.test', PASSWORD);
      assert.equal(limited.status, 429, 'the third attempt is over LOGIN_MAX_ATTEMPTS_PER_ACCOUNT=2');
      const text = await scrape(server.issuer);
      const delta = (name: string, labels: Record<string, string>) =>
        sample(text, name, labels) - sample(last, name, labels);
      assert.equal(delta('deadbolt_sign_ins_total', { method: 'password', result: 'rate_limited' }), 1);
      assert.equal(delta('deadbolt_rate_limit_refusals_total', { limiter: 'login:account' }), 1);
      last = text;
      await server.createUser('ok@example.test', PASSWORD);
      assert.equal((await passwordStep(new Browser(), 'ok@example.test')).status, 0, 'signed in');
      await moved('deadbolt_sign_ins_total', { method: 'password', result: 'success' });
    });

    it('Z5: MFA verifications by method and result (incorrect, ok, replay); store latency per store', async () => {
      const secret = await totpUser('totp@example.test');
      const browser = new Browser();
      const challenge = await passwordStep(browser, 'totp@example.test');
      assert.ok(isMfaChallenge(challenge), textOf(challenge.text).slice(0, 300));
      const wrong = await submitCode(browser, challenge, await appCode(secret, 20));
      assert.notEqual(wrong.status, 0, 'a code ten minutes ahead is refused');
      await moved('deadbolt_mfa_verifications_total', { method: 'totp', result: 'incorrect' });
      const code = await appCode(secret);
      assert.equal((await submitCode(browser, wrong, code)).status, 0, 'signed in with the right code');
      await moved('deadbolt_mfa_verifications_total', { method: 'totp', result: 'ok' });

      const again = new Browser();
      const second = await passwordStep(again, 'totp@example.test');
      assert.notEqual((await submitCode(again, second, code)).status, 0, 'the same code is refused');
      await moved('deadbolt_mfa_verifications_total', { method: 'totp', result: 'replay' });

      const text = await scrape(server.issuer);
      const count = (labels: Record<string, string>) =>
        sample(text, 'deadbolt_store_call_duration_seconds_count', labels);
      assert.ok(count({ store: 'database', operation: 'findUserByEmail' }) >= 1, 'SoR calls are timed');
      assert.ok(count({ store: 'database', operation: 'advanceTotpStep' }) >= 1);
      assert.ok(count({ store: 'redis', operation: 'oidc.upsert' }) >= 1, 'provider adapter calls are timed');
      assert.ok(count({ store: 'redis', operation: 'ratelimit.consume' }) >= 1, 'rate limiters are timed');
      assert.match(text, /^nodejs_eventloop_lag_seconds \d/m, 'the event-loop lag is exported');
      assert.doesNotMatch(text, /example\.test|127\.0\.0\.1|interaction\//, 'no user, address or id labels');
    });

    it('Z5: a lockout is counted once, by method', async () => {
      const secret = await totpUser('lock@example.test');
      const browser = new Browser();
      let page = await passwordStep(browser, 'lock@example.test');
      page = await submitCode(browser, page, await appCode(secret, 20));
      await moved('deadbolt_mfa_lockouts_total', { method: 'totp' }, 0);
      page = await submitCode(browser, page, await appCode(secret, 22));
      assert.notEqual(page.status, 0);
      await moved('deadbolt_mfa_lockouts_total', { method: 'totp' }); // MFA_LOCKOUT_THRESHOLD=2
      assert.equal(sample(last, 'deadbolt_mfa_verifications_total', { method: 'totp', result: 'locked' }), 1);
    });

    it('Z5: an SMS code sent (outbox) is counted by destination country', async () => {
      const phone = jpMobile(mode === 'real' ? 9001 : 9002);
      const userId = await server.createUser('sms@example.test', PASSWORD, { plan: 'paid' });
      await server.giveSms(userId, phone.e164);
      const page = await passwordStep(new Browser(), 'sms@example.test');
      assert.ok(isSmsChallenge(page), textOf(page.text).slice(0, 300));
      assert.equal((await server.outbox(phone.e164)).length, 1, 'one message in the outbox');
      await moved('deadbolt_sms_sends_total', { country: 'JP', result: 'sent' });
      assert.doesNotMatch(last, new RegExp(phone.e164.slice(1)), 'the number is never a label');
    });
  });
}

describe('Z5: store outages show as store errors and 503s (stores behind TCP proxies)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let server: TestServer;
  let rp: RelyingParty;

  before(async () => {
    db = await createTestDatabase();
    const dbUrl = new URL(db.url);
    pgProxy = await startTcpProxy(dbUrl.hostname, Number(dbUrl.port || 5432));
    dbUrl.port = String(pgProxy.port);
    const redisUrl = new URL(REDIS_URL);
    redisProxy = await startTcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    redisUrl.port = String(redisProxy.port);
    server = await startTestServer('real', { env: { DATABASE_URL: dbUrl.href, REDIS_URL: redisUrl.href } });
    await server.createUser('plain@example.test', PASSWORD);
    rp = await RelyingParty.discover(server.issuer);
  });
  after(async () => {
    await server?.stop();
    await pgProxy?.close();
    await redisProxy?.close();
    await db?.drop();
  });

  for (const [store, proxy] of [
    ['database', () => pgProxy],
    ['redis', () => redisProxy],
  ] as const) {
    it(`Z5: with the ${store} down, deadbolt_store_errors_total{store="${store}"} and the 503 count move`, async () => {
      const browser = new Browser();
      const page = await open(browser, await rp.authorize());
      const was = await scrape(server.issuer);
      await proxy().pause();
      let failed: Page;
      try {
        failed = await submitPassword(browser, page, 'plain@example.test', PASSWORD);
      } finally {
        await proxy().resume();
      }
      assert.equal(failed.status, 503, 'X2: fails closed');
      const now = await scrape(server.issuer);
      const delta = (name: string, labels: Record<string, string>) =>
        sample(now, name, labels) - sample(was, name, labels);
      assert.ok(delta('deadbolt_store_errors_total', { store, error: 'unavailable' }) >= 1, 'store errors');
      assert.equal(
        delta('deadbolt_store_errors_total', { store: store === 'redis' ? 'database' : 'redis' }),
        0,
      );
      assert.equal(delta('deadbolt_http_requests_total', { route: '/interaction', status: '503' }), 1);
      assert.ok(
        delta('deadbolt_store_call_duration_seconds_count', { store }) >= 1,
        'failed calls are timed',
      );
    });
  }
});
