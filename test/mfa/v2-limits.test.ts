// V2: a wrong-code limit of L per window checks at most L codes, however many arrive at once — on
// both store modes, with truly parallel posts of one interaction's MFA page. The window's limit
// (10) stops a burst long before the consecutive-failure lockout, and the legitimate user's right
// code is refused while the limit holds and accepted once the window has passed.
import assert from 'node:assert/strict';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { burst, countStatuses } from '../support/burst.ts';
import {
  appCode,
  backupCodesFromPage,
  finishFromCodesPage,
  isEnrollment,
  isMfaChallenge,
  secretFromPage,
  submitCode,
} from '../support/mfa.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const LIMIT = 10; // MFA_MAX_FAILURES_PER_WINDOW (default)

/** A code no step of the app's window (±1) shows. */
async function wrongCode(secret: string): Promise<string> {
  const near = new Set([await appCode(secret, -1), await appCode(secret), await appCode(secret, 1)]);
  for (let n = 0; ; n++) {
    const c = String(n).padStart(6, '0');
    if (!near.has(c)) return c;
  }
}

/** A paid member enrolls the app during sign-in; returns the secret and their id. */
async function enrolled(server: TestServer, rp: RelyingParty, email: string) {
  const id = await server.createUser(email, PASSWORD, { plan: 'paid' });
  const browser = new Browser();
  const page = await submitPassword(browser, await open(browser, await rp.authorize()), email, PASSWORD);
  assert.ok(isEnrollment(page));
  const secret = secretFromPage(page);
  const codesPage = await browser.submit(page, { code: await appCode(secret) }, /confirm$/);
  backupCodesFromPage(codesPage);
  await finishFromCodesPage(browser, codesPage);
  return { id, secret };
}

/** A fresh sign-in of that user, up to the MFA page. */
async function challengePage(rp: RelyingParty, email: string) {
  const browser = new Browser();
  const auth = await rp.authorize();
  const page = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
  assert.ok(isMfaChallenge(page), textOf(page.text).slice(0, 200));
  return { browser, auth, page };
}

const wrongBurst = async (browser: Browser, page: Page, code: string, n: number) =>
  countStatuses(await burst(browser, page, /\/mfa\/verify$/, () => ({ code }), n));

for (const mode of STORE_MODES) {
  describe(`V2: MFA code limits under parallel attempts (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    let rp: RelyingParty;
    before(async () => {
      // A lockout threshold above the window's limit: a burst must be stopped by the limit alone.
      server = await startTestServer(mode, { env: { MFA_LOCKOUT_THRESHOLD: '20' } });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    it('V2: 60 parallel wrong codes check at most 10 (401 incorrect), the rest get 429; the app is not locked', async () => {
      const { id, secret } = await enrolled(server, rp, 'burst60@example.test');
      const { browser, page } = await challengePage(rp, 'burst60@example.test');
      const counts = await wrongBurst(browser, page, await wrongCode(secret), 60);
      assert.ok((counts[401] ?? 0) <= LIMIT, `checked ${counts[401]} codes: ${JSON.stringify(counts)}`);
      assert.ok((counts[401] ?? 0) >= 1, JSON.stringify(counts));
      assert.equal((counts[401] ?? 0) + (counts[429] ?? 0), 60, JSON.stringify(counts));
      const totp = (await server.services.sor.listFactors(id)).find((f) => f.type === 'totp');
      assert.equal(totp?.lockedAt, null, 'V1/V2: the window limit stops the burst before the lockout');
      assert.ok((totp?.failedAttempts ?? 0) <= LIMIT, `failedAttempts ${totp?.failedAttempts}`);
      const events = await server.services.sor.listAudit({ userId: id, limit: 500 });
      assert.equal(events.filter((e) => e.action === 'factor.locked').length, 0);
    });

    it('V2: 160 wrong codes in one burst never reach a lockout threshold of 20', async () => {
      const { id, secret } = await enrolled(server, rp, 'burst160@example.test');
      const { browser, page } = await challengePage(rp, 'burst160@example.test');
      const counts = await wrongBurst(browser, page, await wrongCode(secret), 160);
      assert.ok((counts[401] ?? 0) <= LIMIT, JSON.stringify(counts));
      const totp = (await server.services.sor.listFactors(id)).find((f) => f.type === 'totp');
      assert.equal(totp?.lockedAt, null);
      // The person's right code is refused while the limit holds: 429, no code for the RP.
      const right = await submitCode(browser, page, await appCode(secret));
      assert.equal(right.status, 429, textOf(right.text).slice(0, 200));
    });
  });

  describe(`V2: the right code after a burst (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    let rp: RelyingParty;
    before(async () => {
      server = await startTestServer(mode, { env: { MFA_FAILURE_WINDOW_SECONDS: '3' } });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    it('V2: after 50 parallel wrong codes the right code gets 429, and after the window it signs in with mfa', async () => {
      const { secret } = await enrolled(server, rp, 'recover@example.test');
      const { browser, auth, page } = await challengePage(rp, 'recover@example.test');
      const counts = await wrongBurst(browser, page, await wrongCode(secret), 50);
      assert.ok((counts[401] ?? 0) <= LIMIT && (counts[429] ?? 0) > 0, JSON.stringify(counts));
      const refused = await submitCode(browser, page, await appCode(secret));
      assert.equal(refused.status, 429);
      assert.ok(textOf(refused.text).includes('Too many'), textOf(refused.text).slice(0, 200));
      await new Promise((r) => setTimeout(r, 3500));
      // The next time step: the current one was spent at enrollment (T4).
      const done = await submitCode(browser, page, await appCode(secret, 1));
      assert.equal(done.status, 0, textOf(done.text).slice(0, 200));
      const tokens = await rp.callback(done.url, auth);
      assert.ok((tokens.claims()?.amr as string[] | undefined)?.includes('mfa'));
    });
  });
}
