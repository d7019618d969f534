// V3: an MFA reset (R1, R2) or a removed method ends every session, grant, access and refresh
// token of the user — offline ones after a logout included — through one code path, and no request
// racing the reset (a silent-renew loop, a valid code submitted at the same moment) gets a usable
// code or token out of the old sign-in. The relying parties are openid-client.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { Browser, hiddenInputs, type Page, textOf } from '../support/browser.ts';
import { appCode, isMfaChallenge } from '../support/mfa.ts';
import { type Authorization, isCallback, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { RP_CLIENTS, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

for (const mode of STORE_MODES) {
  describe(`V3: a reset ends everything, races included (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    let rp: RelyingParty;
    let third: RelyingParty;
    let orgId: string;
    let owner: Browser;
    let n = 0;
    const url = (path: string) => new URL(path, server.issuer);

    before(async () => {
      server = await startTestServer(mode);
      rp = await RelyingParty.discover(server.issuer);
      third = await RelyingParty.discover(
        server.issuer,
        RP_CLIENTS[1].client_id,
        RP_CLIENTS[1].client_secret,
      );
      const { sor } = server.services;
      orgId = (await sor.createOrg({ name: 'Paid Co', plan: 'paid' })).id;
      const ownerId = await server.createUser('owner@example.test', PASSWORD);
      await sor.setMembership(ownerId, orgId, 'owner');
      const ownerSecret = await giveTotp(server, ownerId);
      owner = new Browser();
      await accountSignIn(owner, server, 'owner@example.test', PASSWORD, ownerSecret);
    });
    after(() => server?.stop());

    /** A member of the paid organization with an authenticator app. */
    async function member() {
      const email = `member${++n}@example.test`;
      const id = await server.createUser(email, PASSWORD);
      await server.services.sor.setMembership(id, orgId, 'member');
      return { email, id, secret: await giveTotp(server, id) };
    }

    /** Password, then the app's code: the browser holds an MFA session; returns the callback. */
    async function signInWithApp(
      browser: Browser,
      who: { email: string; secret: string },
      auth: Authorization,
    ) {
      const challenge = await submitPassword(browser, await open(browser, auth), who.email, PASSWORD);
      assert.ok(isMfaChallenge(challenge), textOf(challenge.text).slice(0, 200));
      const done = await browser.submit(
        challenge,
        { code: await appCode(who.secret) },
        /verify$/,
        isCallback,
      );
      assert.equal(done.status, 0, textOf(done.text).slice(0, 200));
      return done.url;
    }

    /** R1: the owner resets the member's MFA on the organization page. */
    async function ownerResets(userId: string): Promise<Page> {
      const csrf = csrfOf(await owner.request(url('/account/security')));
      const res = await owner.request(url(`/account/organizations/${orgId}/members/${userId}/reset-mfa`), {
        form: { csrf, reason: 'lost phone' },
      });
      assert.equal(res.status, 200, textOf(res.text).slice(0, 200));
      return res;
    }

    async function silent(browser: Browser): Promise<URLSearchParams> {
      const auth = await rp.authorize({ prompt: 'none' });
      const page = await open(browser, auth);
      assert.equal(page.status, 0, 'prompt=none never shows a page');
      return new URL(page.url).searchParams;
    }

    it("V3, R1: an offline refresh token kept after RP-initiated logout dies with the owner's reset (refresh invalid_grant, introspection inactive)", async () => {
      const m = await member();
      const browser = new Browser();
      const auth = await third.authorize({ scope: 'openid email offline_access', prompt: 'consent' });
      const challenge = await submitPassword(browser, await open(browser, auth), m.email, PASSWORD);
      const consent = await browser.submit(
        challenge,
        { code: await appCode(m.secret) },
        /verify$/,
        isCallback,
      );
      const done = await browser.submit(consent, { decision: 'allow' }, /consent$/, isCallback);
      const tokens = await third.callback(done.url, auth);
      assert.ok(tokens.refresh_token, 'offline access granted');
      assert.ok((tokens.claims()!.amr as string[]).includes('mfa'));

      // RP-initiated logout: the session goes, the offline grant stays (that is what offline means).
      const confirm = await browser.follow(
        client.buildEndSessionUrl(third.config, {
          id_token_hint: tokens.id_token!,
          post_logout_redirect_uri: 'http://rp.test/',
        }),
      );
      const out = await browser.request(url('/session/end/confirm'), {
        form: { ...hiddenInputs(confirm.text), logout: 'yes' },
      });
      assert.equal(out.status, 303);
      const still = await client.refreshTokenGrant(third.config, tokens.refresh_token!);
      assert.ok(still.refresh_token, 'offline access outlives the logout');

      await ownerResets(m.id);
      await assert.rejects(client.refreshTokenGrant(third.config, still.refresh_token!), {
        error: 'invalid_grant',
      });
      const introspected = await client.tokenIntrospection(third.config, still.refresh_token!);
      assert.equal(introspected.active, false, 'the refresh token is inactive');
      const access = await client.tokenIntrospection(third.config, still.access_token);
      assert.equal(access.active, false, 'the access token is inactive');
      await assert.rejects(client.fetchUserInfo(third.config, still.access_token, tokens.claims()!.sub));
    });

    it('V3: a silent-renew loop (prompt=none) racing the reset gets no code once the reset has answered, and no code from before it is exchangeable', async () => {
      const m = await member();
      const browser = new Browser();
      const first = await rp.authorize();
      await rp.callback(await signInWithApp(browser, m, first), first);

      const codes: Array<{ params: URLSearchParams; auth: Authorization; afterReset: boolean }> = [];
      let resetDone = false;
      let stop = false;
      const loop = async () => {
        while (!stop) {
          const started = resetDone;
          const auth = await rp.authorize({ prompt: 'none' });
          const page = await open(browser, auth);
          const params = new URL(page.url).searchParams;
          if (params.get('code')) codes.push({ params, auth, afterReset: started });
        }
      };
      const loops = Array.from({ length: 12 }, loop);
      await new Promise((r) => setTimeout(r, 250));
      await ownerResets(m.id);
      resetDone = true;
      await new Promise((r) => setTimeout(r, 600));
      stop = true;
      await Promise.all(loops);

      assert.ok(codes.length > 0, 'the loop got codes before the reset (the race was real)');
      assert.deepEqual(
        codes.filter((c) => c.afterReset).length,
        0,
        'no authorization started after the reset yields a code',
      );
      for (const c of codes) {
        const callback = new URL(`http://rp.test/callback?${c.params}`);
        await assert.rejects(
          rp.callback(callback.href, c.auth),
          { error: 'invalid_grant' },
          'a code of the old sign-in is void',
        );
      }
      assert.equal((await silent(browser)).get('error'), 'login_required');
    });

    it('V3: a valid code submitted at the same moment as the reset never yields tokens; the person signs in again', async () => {
      for (let round = 0; round < 4; round++) {
        const m = await member();
        const browser = new Browser();
        const auth = await rp.authorize();
        const challenge = await submitPassword(browser, await open(browser, auth), m.email, PASSWORD);
        assert.ok(isMfaChallenge(challenge));
        const code = await appCode(m.secret);
        const [done] = await Promise.all([
          browser.submit(challenge, { code }, /verify$/, isCallback).catch(() => undefined),
          ownerResets(m.id),
        ]);
        if (done?.status === 0) {
          await assert.rejects(rp.callback(done.url, auth), { error: 'invalid_grant' }, `round ${round}`);
        }
        assert.equal((await silent(browser)).get('error'), 'login_required', `round ${round}`);
        // A new sign-in right after the reset works: it enrolls again (P5), in the same second too.
        const again = await rp.authorize();
        const page = await submitPassword(browser, await open(browser, again), m.email, PASSWORD);
        assert.match(page.text, /enroll\/totp\/confirm/, 'asked to enroll again');
      }
    });

    it('V3: removing a method on the settings page ends every other session and every token, and keeps the acting session', async () => {
      const email = `optional${++n}@example.test`;
      const id = await server.createUser(email, PASSWORD, { plan: 'free' });
      const secret = await giveTotp(server, id);
      const here = new Browser();
      const elsewhere = new Browser();
      await accountSignIn(here, server, email, PASSWORD, secret, -1);
      const auth = await rp.authorize({ scope: 'openid email offline_access' });
      const challenge = await submitPassword(elsewhere, await open(elsewhere, auth), email, PASSWORD);
      const done = await elsewhere.submit(
        challenge,
        { code: await appCode(secret, 0) },
        /verify$/,
        isCallback,
      );
      const tokens = await rp.callback(done.url, auth);
      assert.ok(tokens.refresh_token);

      // The acting session's own relying-party tokens go too.
      const mine = await rp.authorize();
      const mineDone = await open(here, mine);
      assert.equal(mineDone.status, 0, 'the account session signs this app in silently');
      const myTokens = await rp.callback(mineDone.url, mine);

      const page = await here.request(url('/account/security'));
      const removed = await here.submit(page, { code: await appCode(secret, 1) }, /totp\/disable$/);
      assert.equal(removed.status, 200, textOf(removed.text).slice(0, 200));
      assert.ok(
        textOf(removed.text).includes('The method was disabled'),
        'the acting session stays signed in',
      );
      assert.equal((await silent(elsewhere)).get('error'), 'login_required');
      await assert.rejects(client.refreshTokenGrant(rp.config, tokens.refresh_token!), {
        error: 'invalid_grant',
      });
      await assert.rejects(client.fetchUserInfo(rp.config, myTokens.access_token, myTokens.claims()!.sub));
      assert.equal((await here.request(url('/account/security'))).status, 200, 'still signed in here');
    });
  });
}
