// I4: OpenID Connect Back-Channel Logout 1.0. Two relying parties (openid-client) share one
// browser session; each registered a back-channel logout URI on a loopback server in the test that
// verifies the logout token (signature, iss, aud, events, sid = the ID token's sid, no nonce).
// RP-initiated logout at one, the owner's MFA reset, a lockout and "end other sessions" on the
// security page each log the user out at every relying party of the ended sessions.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { type LogoutReceiver, startLogoutReceiver } from '../support/backchannel.ts';
import { Browser, hiddenInputs, textOf } from '../support/browser.ts';
import { appCode, isMfaChallenge, submitCode } from '../support/mfa.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { RP_REDIRECT, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const THRESHOLD = 3;

for (const mode of STORE_MODES) {
  describe(`I4: back-channel logout (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    let receiver: LogoutReceiver;
    let clientsFile: string;
    let a: RelyingParty;
    let b: RelyingParty;
    let orgId: string;
    let owner: Browser;
    let n = 0;
    const url = (path: string) => new URL(path, server.issuer);

    before(async () => {
      receiver = await startLogoutReceiver();
      clientsFile = join(tmpdir(), `deadbolt-i4-${randomBytes(6).toString('hex')}.json`);
      const rp = (id: string) => ({
        client_id: id,
        redirect_uris: [RP_REDIRECT],
        post_logout_redirect_uris: ['http://rp.test/'],
        token_endpoint_auth_method: 'none',
        first_party: true,
        backchannel_logout_uri: receiver.url(`/${id}`),
      });
      await writeFile(clientsFile, JSON.stringify([rp('rp-a'), rp('rp-b')]));
      server = await startTestServer(mode, {
        env: {
          CLIENTS_FILE: clientsFile,
          OIDC_FETCH_ALLOW_LOOPBACK: 'true',
          MFA_LOCKOUT_THRESHOLD: String(THRESHOLD),
        },
      });
      a = await RelyingParty.discover(server.issuer, 'rp-a');
      b = await RelyingParty.discover(server.issuer, 'rp-b');
      const { sor } = server.services;
      orgId = (await sor.createOrg({ name: 'Paid Co', plan: 'paid' })).id;
      const ownerId = await server.createUser('owner@example.test', PASSWORD);
      await sor.setMembership(ownerId, orgId, 'owner');
      owner = new Browser();
      await accountSignIn(owner, server, 'owner@example.test', PASSWORD, await giveTotp(server, ownerId));
    });
    after(async () => {
      await server?.stop();
      await receiver?.close();
      await rm(clientsFile, { force: true });
    });

    /** A user with an app: a member of the paid organization, or of none (password only). */
    async function user(paid: boolean) {
      const email = `user${++n}@example.test`;
      const id = await server.createUser(email, PASSWORD);
      if (paid) await server.services.sor.setMembership(id, orgId, 'member');
      return { email, id, secret: paid ? await giveTotp(server, id) : '' };
    }

    /** Signs in at A (password, and the app's code when asked), then at B on the same session. */
    async function signInAtBoth(browser: Browser, who: { email: string; secret: string }) {
      const authA = await a.authorize();
      let page = await submitPassword(browser, await open(browser, authA), who.email, PASSWORD);
      if (isMfaChallenge(page)) page = await submitCode(browser, page, await appCode(who.secret));
      assert.equal(page.status, 0, textOf(page.text).slice(0, 200));
      const tokensA = await a.callback(page.url, authA);
      const authB = await b.authorize();
      const back = await open(browser, authB);
      assert.equal(back.status, 0, 'B reuses the session');
      const tokensB = await b.callback(back.url, authB);
      const sidA = tokensA.claims()!.sid as string;
      const sidB = tokensB.claims()!.sid as string;
      assert.ok(sidA && sidB, 'sid is in the ID tokens of clients with a back-channel logout URI');
      return { tokensA, sidA, sidB };
    }

    /**
     * Both relying parties got a verified logout token for their own sid of this user's session
     * (a session of the same user that stopped at the MFA step may add one for a sid never issued).
     */
    async function bothLoggedOut(
      who: { id: string },
      sids: { sidA: string; sidB: string },
      before: { a: number; b: number },
    ) {
      for (const [path, aud, since, sid] of [
        ['/rp-a', 'rp-a', before.a, sids.sidA],
        ['/rp-b', 'rp-b', before.b, sids.sidB],
      ] as const) {
        const fresh = (
          await receiver.expect(path, since + 1, { issuer: server.issuer, audience: aud })
        ).slice(since);
        assert.ok(fresh.length >= 1);
        for (const t of fresh) assert.equal(t.sub, who.id, 'only this user is logged out');
        assert.ok(
          fresh.some((t) => t.sid === sid),
          `a logout token for the sid of ${aud}'s ID token`,
        );
      }
    }

    const counts = () => ({ a: receiver.received('/rp-a').length, b: receiver.received('/rp-b').length });

    it('I4: RP-initiated logout at RP A sends verified logout tokens to RP B (and A)', async () => {
      const who = await user(false);
      const browser = new Browser();
      const before = counts();
      const { tokensA, ...sids } = await signInAtBoth(browser, who);
      const confirm = await browser.follow(
        client.buildEndSessionUrl(a.config, {
          id_token_hint: tokensA.id_token!,
          post_logout_redirect_uri: 'http://rp.test/',
        }),
      );
      const out = await browser.request(url('/session/end/confirm'), {
        form: { ...hiddenInputs(confirm.text), logout: 'yes' },
      });
      assert.equal(out.status, 303);
      await bothLoggedOut(who, sids, before);
    });

    it("I4, V3: an owner's MFA reset of a member sends logout tokens to the member's relying parties", async () => {
      const who = await user(true);
      const before = counts();
      const sids = await signInAtBoth(new Browser(), who);
      assert.deepEqual(counts(), before, 'nothing sent before the reset');
      const csrf = csrfOf(await owner.request(url('/account/security')));
      const res = await owner.request(url(`/account/organizations/${orgId}/members/${who.id}/reset-mfa`), {
        form: { csrf, reason: 'lost phone' },
      });
      assert.equal(res.status, 200, textOf(res.text).slice(0, 200));
      await bothLoggedOut(who, sids, before);
    });

    it('I4, V3: a lockout (wrong codes up to MFA_LOCKOUT_THRESHOLD) sends logout tokens to the relying parties of the open sessions', async () => {
      const who = await user(true);
      const before = counts();
      const sids = await signInAtBoth(new Browser(), who);
      const attacker = new Browser();
      let page = await submitPassword(
        attacker,
        await open(attacker, await a.authorize()),
        who.email,
        PASSWORD,
      );
      for (let i = 0; i < THRESHOLD; i++) {
        assert.ok(isMfaChallenge(page), textOf(page.text).slice(0, 200));
        page = await submitCode(attacker, page, '000000');
      }
      await bothLoggedOut(who, sids, before);
    });

    it('U7, I4: "Sign out" on the account pages ends the session as the provider\'s logout does — its relying parties get logout tokens and the access token of a grant without offline access dies', async () => {
      const who = await user(true);
      const before = counts();
      const browser = new Browser();
      const authA = await a.authorize({ scope: 'openid email' }); // no offline access at A
      let page = await submitPassword(browser, await open(browser, authA), who.email, PASSWORD);
      if (isMfaChallenge(page)) page = await submitCode(browser, page, await appCode(who.secret));
      const tokensA = await a.callback(page.url, authA);
      const authB = await b.authorize();
      const tokensB = await b.callback((await open(browser, authB)).url, authB);
      const sub = tokensA.claims()!.sub;
      await client.fetchUserInfo(a.config, tokensA.access_token, sub); // works while signed in

      const security = await browser.follow(url('/account/login'));
      assert.equal(
        new URL(security.url).pathname,
        '/account/security',
        'the same session opens the account pages',
      );
      const out = await browser.request(url('/account/logout'), { form: { csrf: csrfOf(security) } });
      assert.equal(out.status, 200);
      assert.match(textOf(out.text), /You are signed out of your account on this browser/);

      await bothLoggedOut(
        who,
        { sidA: tokensA.claims()!.sid as string, sidB: tokensB.claims()!.sid as string },
        before,
      );
      await assert.rejects(
        client.fetchUserInfo(a.config, tokensA.access_token, sub),
        'the access token of a grant without offline access is revoked',
      );
      const silent = await open(browser, await a.authorize({ prompt: 'none' }));
      assert.equal(new URL(silent.url).searchParams.get('error'), 'login_required', 'the session is gone');
    });

    it('I4, V3: "end other sessions" on the security page logs the other sessions out at their relying parties', async () => {
      const who = await user(true);
      const before = counts();
      const sids = await signInAtBoth(new Browser(), who);
      const settings = new Browser();
      const page = await accountSignIn(settings, server, who.email, PASSWORD, who.secret, 1);
      const res = await settings.request(url('/account/security/sessions/end-others'), {
        form: { csrf: csrfOf(page) },
      });
      assert.equal(res.status, 200, textOf(res.text).slice(0, 200));
      await bothLoggedOut(who, sids, before);
    });
  });
}
