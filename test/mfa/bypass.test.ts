// Attacks on the MFA step (P5 invariant): each tries to reach a code without the second factor,
// and each must end without an authorization code for the relying party.
import assert from 'node:assert/strict';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { appCode, isEnrollment, isMfaChallenge, secretFromPage, submitCode } from '../support/mfa.ts';
import { isCallback, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const noCode = (page: Page) => page.status !== 0 || !new URL(page.url).searchParams.has('code');

for (const mode of STORE_MODES) {
  describe(`MFA bypass attempts (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let rp: RelyingParty;
    let secret: string;
    const email = 'victim@example.test';

    before(async () => {
      server = await startTestServer(mode);
      rp = await RelyingParty.discover(server.issuer);
      await server.createUser(email, PASSWORD, { plan: 'paid' });
      const browser = new Browser();
      const page = await submitPassword(browser, await open(browser, await rp.authorize()), email, PASSWORD);
      secret = secretFromPage(page);
      await browser.submit(page, { code: await appCode(secret) }, /confirm$/);
    });
    after(() => server?.stop());

    /** A browser that has passed the password step and sits on the MFA page. */
    async function atMfaStep() {
      const browser = new Browser();
      const auth = await rp.authorize();
      const page = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
      assert.ok(isMfaChallenge(page));
      return { browser, auth, page, uid: new URL(page.url).pathname.split('/')[2] };
    }

    it('P5: prompt=none with a password-only session gets interaction_required, no code', async () => {
      const { browser } = await atMfaStep();
      const silent = await open(browser, await rp.authorize({ prompt: 'none' }));
      assert.equal(silent.status, 0);
      const params = new URL(silent.url).searchParams;
      assert.equal(params.get('error'), 'interaction_required');
      assert.equal(params.get('code'), null);
    });

    it('P5: resuming the authorization without the MFA step lands on the MFA step again', async () => {
      const { browser, uid } = await atMfaStep();
      const resumed = await browser.follow(new URL(`/auth/${uid}`, server.issuer), isCallback);
      assert.ok(noCode(resumed));
      assert.ok(isMfaChallenge(resumed), 'asked for the second factor again');
    });

    it('P5: a second tab with the password-only session is asked for the second factor too', async () => {
      const { browser } = await atMfaStep();
      const tab2 = await open(browser, await rp.authorize());
      assert.ok(isMfaChallenge(tab2));
    });

    it("P5: posting a code to another person's interaction is refused", async () => {
      const victim = await atMfaStep();
      const attacker = await atMfaStep();
      const res = await attacker.browser.request(
        new URL(`/interaction/${victim.uid}/mfa/verify`, server.issuer),
        {
          form: { method: 'totp', code: await appCode(secret, 1) },
        },
      );
      assert.equal(res.status, 400);
      assert.ok(textOf(res.text).includes('expired or was already used'));
    });

    it('P5: replaying a finished interaction gives no second code', async () => {
      const { browser, page, uid } = await atMfaStep();
      const done = await submitCode(browser, page, await appCode(secret, 1));
      assert.equal(done.status, 0);
      const replay = await browser.follow(new URL(`/auth/${uid}`, server.issuer), isCallback);
      assert.ok(noCode(replay));
      assert.ok(replay.status >= 400 && replay.status < 500, `4xx, got ${replay.status}`);
    });

    it('P5: a tampered _interaction cookie is refused', async () => {
      const { browser, uid } = await atMfaStep();
      for (const c of browser.jar.values())
        if (c.name === '_interaction') c.value = `${c.value.slice(0, -2)}xx`;
      const res = await browser.request(new URL(`/interaction/${uid}/mfa/verify`, server.issuer), {
        form: { method: 'totp', code: await appCode(secret, 1) },
      });
      assert.equal(res.status, 400);
    });

    it('P5: a tampered session cookie is no session: back to the password', async () => {
      const { browser } = await atMfaStep();
      for (const c of browser.jar.values()) if (c.name === '_session') c.value = `${c.value}x`;
      const page = await open(browser, await rp.authorize());
      assert.match(page.text, /name="password"/);
    });

    it('T4: an app code is accepted once; the same step and an earlier step are refused', async () => {
      // Its own user: the other tests here have spent the victim's next time step.
      await server.createUser('replay@example.test', PASSWORD, { plan: 'paid' });
      const enrolling = new Browser();
      const page = await submitPassword(
        enrolling,
        await open(enrolling, await rp.authorize()),
        'replay@example.test',
        PASSWORD,
      );
      const own = secretFromPage(page);
      await enrolling.submit(page, { code: await appCode(own, -1) }, /confirm$/);
      const signIn = async () => {
        const browser = new Browser();
        return {
          browser,
          page: await submitPassword(
            browser,
            await open(browser, await rp.authorize()),
            'replay@example.test',
            PASSWORD,
          ),
        };
      };
      const first = await signIn();
      const code = await appCode(own, 1);
      assert.equal((await submitCode(first.browser, first.page, code)).status, 0);
      const second = await signIn();
      const same = await submitCode(second.browser, second.page, code);
      assert.equal(same.status, 401);
      const earlier = await submitCode(second.browser, same, await appCode(own, 0));
      assert.equal(earlier.status, 401);
      assert.ok(noCode(earlier));
    });

    it('P5: a method the user does not have cannot be chosen', async () => {
      const { browser, uid } = await atMfaStep();
      const res = await browser.request(new URL(`/interaction/${uid}/mfa/verify`, server.issuer), {
        form: { method: 'sms', code: '123456' },
      });
      assert.equal(res.status, 400);
    });

    it('P5: a mandatory user at the enrollment step cannot skip it', async () => {
      await server.createUser('skipper@example.test', PASSWORD, { plan: 'paid' });
      const browser = new Browser();
      const page = await submitPassword(
        browser,
        await open(browser, await rp.authorize()),
        'skipper@example.test',
        PASSWORD,
      );
      assert.ok(isEnrollment(page));
      const uid = new URL(page.url).pathname.split('/')[2];
      const verify = await browser.request(new URL(`/interaction/${uid}/mfa/verify`, server.issuer), {
        form: { method: 'totp', code: '123456' },
      });
      assert.ok(verify.status >= 400 && verify.status < 500);
      const resumed = await browser.follow(new URL(`/auth/${uid}`, server.issuer), isCallback);
      assert.ok(noCode(resumed));
      // Still enrollment, behind a fresh password check (T1) since this is a new interaction.
      assert.ok(
        isEnrollment(resumed) || /\/mfa\/reauth"/.test(resumed.text),
        textOf(resumed.text).slice(0, 200),
      );
    });
  });

  describe(`MFA attempt limits (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let rp: RelyingParty;

    before(async () => {
      server = await startTestServer(mode, {
        env: {
          MFA_MAX_FAILURES_PER_WINDOW: '3',
          MFA_LOCKOUT_THRESHOLD: '5',
          MFA_MAX_FAILURES_PER_IP: '1000',
        },
      });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    async function enrolled(email: string) {
      await server.createUser(email, PASSWORD, { plan: 'paid' });
      const browser = new Browser();
      const page = await submitPassword(browser, await open(browser, await rp.authorize()), email, PASSWORD);
      const secret = secretFromPage(page);
      await browser.submit(page, { code: await appCode(secret) }, /confirm$/);
      const next = new Browser();
      const challenge = await submitPassword(next, await open(next, await rp.authorize()), email, PASSWORD);
      return { browser: next, challenge, secret };
    }

    it('T4: past the limit of wrong codes even the right code is refused, with a clear message and an audit event', async () => {
      const { browser, challenge, secret } = await enrolled('guesser@example.test');
      let page = challenge;
      for (let i = 0; i < 3; i++) {
        page = await submitCode(browser, page, '000000' === (await appCode(secret, 1)) ? '111111' : '000000');
        assert.equal(page.status, 401);
      }
      const blocked = await submitCode(browser, page, await appCode(secret, 1));
      assert.equal(blocked.status, 429);
      assert.ok(textOf(blocked.text).includes('Too many incorrect codes'));
      assert.ok(noCode(blocked));
      const user = await server.services.sor.findUserByEmail('guesser@example.test');
      const events = await server.services.sor.listAudit({ userId: user!.id });
      assert.ok(events.some((e) => e.action === 'mfa.rate_limited'));
    });

    it('T4 (NIST 800-63B §5.2.2): after the consecutive-failure threshold the factor is locked until reset', async () => {
      const { browser, challenge, secret } = await enrolled('locked@example.test');
      const user = await server.services.sor.findUserByEmail('locked@example.test');
      const limiter = server.services.eph.rateLimiter({
        keyPrefix: 'mfa:user',
        points: 3,
        durationSeconds: 900,
      });
      let page = challenge;
      for (let i = 0; i < 5; i++) {
        await limiter.reset(user!.id); // stay under the per-window limit to reach the lockout
        page = await submitCode(browser, page, '000000' === (await appCode(secret, 1)) ? '111111' : '000000');
      }
      assert.equal(page.status, 423);
      assert.ok(textOf(page.text).includes('This method is locked'));
      await limiter.reset(user!.id);
      const res = await browser.request(
        new URL(new URL(page.url).pathname.replace(/\/mfa\/verify$/, '/mfa/verify'), server.issuer),
        {
          form: { method: 'totp', code: await appCode(secret, 1) },
        },
      );
      assert.ok(res.status >= 400 && noCode(res));
      const events = await server.services.sor.listAudit({ userId: user!.id });
      assert.ok(events.some((e) => e.action === 'factor.locked'));
    });
  });
}
