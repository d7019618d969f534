// F1, F2, P2 end to end: a second node-oidc-provider on loopback plays each organization's
// upstream identity provider; an openid-client relying party signs in through Deadbolt, which
// signs in through the upstream (openid-client 6, code + PKCE + state + nonce). On embedded stores
// and on PostgreSQL + Redis.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { ACR_FEDERATED, ACR_MFA } from '../../src/oidc/acr.ts';
import type { Organization } from '../../src/store/records.ts';
import { accountSignIn, giveTotp } from '../support/account.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { dumpDatabase } from '../support/dump.ts';
import { appCode, isEnrollment, isMfaChallenge, submitCode } from '../support/mfa.ts';
import { isCallback, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { freePort, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';
import { emailStep, member, PASSWORD, ssoButton, ssoOrg } from './support.ts';
import { startUpstream, type Upstream, type UpstreamUser } from './upstream.ts';

const REFUSED = 'You are not signed in.';
const isSsoCallback = (url: URL) => url.pathname === '/sso/callback';

for (const mode of STORE_MODES) {
  describe(`Enterprise SSO (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let rp: RelyingParty;
    let upA: Upstream;
    let upB: Upstream;
    /** Paid, SSO enforced (upstream A). */
    let acme: Organization;
    /** Paid, SSO offered but not enforced (upstream A, the same provider as Acme). */
    let initech: Organization;
    /** Paid, SSO enforced, "trust upstream MFA only" (upstream A). */
    let trusty: Organization;
    /** Paid, SSO enforced through another provider (upstream B). */
    let globex: Organization;
    /** Free, not enforced, and its provider does not answer. */
    let wayne: Organization;

    before(async () => {
      server = await startTestServer(mode);
      const redirectUri = `${server.issuer}/sso/callback`;
      [upA, upB] = await Promise.all([startUpstream({ redirectUri }), startUpstream({ redirectUri })]);
      rp = await RelyingParty.discover(server.issuer);
      acme = await ssoOrg(server, 'Acme', { upstream: upA, enforced: true, domains: ['acme.test'] });
      initech = await ssoOrg(server, 'Initech', { upstream: upA, domains: ['initech.test'] });
      trusty = await ssoOrg(server, 'Trusty', {
        upstream: upA,
        enforced: true,
        trustUpstreamMfaOnly: true,
        domains: ['trusty.test'],
      });
      globex = await ssoOrg(server, 'Globex', { upstream: upB, enforced: true, domains: ['globex.test'] });
      const dead = `http://127.0.0.1:${await freePort()}`;
      // Broken: enforced, and its provider does not answer.
      await ssoOrg(server, 'Broken', { issuer: dead, enforced: true, domains: ['broken.test'] });
      wayne = await ssoOrg(server, 'Wayne', { issuer: dead, plan: 'free', domains: ['wayne.test'] });
    });
    after(async () => {
      await Promise.all([upA?.stop(), upB?.stop()]);
      await server?.stop();
    });

    /** From a fresh authorization: the e-mail step, the upstream signing in `who`, back here. */
    async function viaSso(
      upstream: Upstream,
      who: UpstreamUser | { error: string },
      email: string,
      opts: { params?: Record<string, string>; browser?: Browser; button?: boolean } = {},
    ) {
      const browser = opts.browser ?? new Browser();
      upstream.next = who;
      const auth = await rp.authorize(opts.params);
      const first = await open(browser, auth);
      const page = opts.button
        ? await ssoButton(browser, first, email)
        : await emailStep(browser, first, email);
      return { browser, auth, page };
    }

    const user = (sub: string, email: string, amr: string[] = ['pwd']): UpstreamUser => ({
      sub,
      email,
      email_verified: true,
      amr,
    });

    async function tokensOf(page: Page, auth: Awaited<ReturnType<RelyingParty['authorize']>>) {
      assert.equal(
        page.status,
        0,
        `expected the callback, got ${page.status}: ${textOf(page.text).slice(0, 300)}`,
      );
      return rp.callback(page.url, auth);
    }

    async function assertNoSession(browser: Browser) {
      const silent = await open(browser, await rp.authorize({ prompt: 'none' }));
      assert.equal(new URL(silent.url).searchParams.get('error'), 'login_required', 'no session was made');
    }

    function assertRefused(page: Page, status: number, message: string) {
      const text = textOf(page.text);
      assert.equal(page.status, status, text.slice(0, 300));
      assert.ok(text.includes(message), `"${message}" in: ${text.slice(0, 300)}`);
      assert.ok(text.includes(REFUSED));
      assert.doesNotMatch(page.text, /name="password"/, 'no password fallback');
    }

    it('F1, F2, P2: a member of an SSO-enforced paid organization signs in through the upstream with no MFA prompt; amr has fed; the exemption holds at token issuance and on the account pages', async () => {
      await member(server, 'alice@acme.test', [acme]);
      const { browser, auth, page } = await viaSso(upA, user('alice', 'alice@acme.test'), 'alice@acme.test');
      const request = upA.requests.at(-1)!;
      assert.equal(request.get('code_challenge_method'), 'S256');
      assert.ok(request.get('code_challenge') && request.get('state') && request.get('nonce'));
      assert.equal(request.get('login_hint'), 'alice@acme.test');
      assert.equal(request.get('redirect_uri'), `${server.issuer}/sso/callback`);

      const tokens = await tokensOf(page, auth);
      const claims = tokens.claims()!;
      assert.deepEqual(claims.amr, ['fed', 'pwd']);
      assert.equal(claims.acr, ACR_FEDERATED);
      assert.equal(claims.email, undefined);
      const info = await client.fetchUserInfo(rp.config, tokens.access_token, claims.sub);
      assert.equal(info.email, 'alice@acme.test');

      // P3: findAccount re-asks the hook at the token endpoint; the session's SSO mark exempts it.
      const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
      assert.deepEqual(refreshed.claims()?.amr, ['fed', 'pwd']);
      // The mfa prompt's check on a later authorization (prompt=none) honours it too.
      const again = await rp.authorize({ prompt: 'none' });
      const silent = await tokensOf(await open(browser, again), again);
      assert.deepEqual(silent.claims()?.amr, ['fed', 'pwd']);
      // And the account pages: a paid member without MFA is signed in there through SSO.
      const settings = await browser.request(new URL('/account/security', server.issuer));
      assert.equal(settings.status, 200, textOf(settings.text).slice(0, 200));
    });

    it('F1, P2: password sign-in is refused for an enforced member (by e-mail domain, and after the password for a member with another domain); no code, no session', async () => {
      await member(server, 'amy@acme.test', [acme]);
      await member(server, 'bob@elsewhere.test', [acme]);
      const browser = new Browser();
      const page = await open(browser, await rp.authorize());
      for (const email of ['amy@acme.test', 'bob@elsewhere.test']) {
        const refused = await submitPassword(browser, page, email, PASSWORD);
        const text = textOf(refused.text);
        assert.equal(refused.status, 403, text.slice(0, 300));
        assert.ok(text.includes('Acme requires you to sign in through its single sign-on (SSO).'), text);
      }
      const byDomain = await submitPassword(browser, page, 'amy@acme.test', PASSWORD);
      assert.match(byDomain.text, /id="sso"[^>]*>Sign in with Acme SSO</, 'the page offers the SSO instead');
      // A wrong password says nothing about SSO (no hint that the account exists).
      const wrong = await submitPassword(browser, page, 'bob@elsewhere.test', 'not the password');
      assert.equal(wrong.status, 401);
      await assertNoSession(browser);
    });

    it('V7, P2: without ssoEnforced, members of the paid organization do MFA after SSO (and may choose the password)', async () => {
      const carol = await member(server, 'carol@initech.test', [initech]);
      const secret = await giveTotp(server, carol);
      upA.next = user('carol', 'carol@initech.test');
      const browser = new Browser();
      const auth = await rp.authorize();
      const choice = await emailStep(browser, await open(browser, auth), 'carol@initech.test');
      assert.equal(choice.status, 200);
      assert.ok(textOf(choice.text).includes('Initech offers single sign-on.'));
      assert.match(choice.text, /name="password"/, 'the password stays possible');
      const mfa = await ssoButton(browser, choice, 'carol@initech.test');
      assert.ok(isMfaChallenge(mfa), textOf(mfa.text).slice(0, 300));
      const tokens = await tokensOf(await submitCode(browser, mfa, await appCode(secret)), auth);
      assert.deepEqual(tokens.claims()?.amr, ['fed', 'pwd', 'otp', 'mfa']);
      assert.equal(tokens.claims()?.acr, ACR_MFA);
      await client.refreshTokenGrant(rp.config, tokens.refresh_token!);

      // With no method yet: enrollment right away — the fresh SSO sign-in is the re-authentication (T1).
      await member(server, 'dan@initech.test', [initech]);
      const enroll = await viaSso(upA, user('dan', 'dan@initech.test'), 'dan@initech.test', { button: true });
      assert.ok(isEnrollment(enroll.page), textOf(enroll.page.text).slice(0, 300));
    });

    it('F2: "trust upstream MFA only" exempts when the upstream amr shows MFA, else our own MFA step runs', async () => {
      await member(server, 'erin@trusty.test', [trusty]);
      const withOtp = await viaSso(upA, user('erin', 'erin@trusty.test', ['pwd', 'otp']), 'erin@trusty.test');
      const exempt = await tokensOf(withOtp.page, withOtp.auth);
      assert.deepEqual(exempt.claims()?.amr, ['fed', 'pwd', 'otp']);
      await client.refreshTokenGrant(rp.config, exempt.refresh_token!);

      await member(server, 'gwen@trusty.test', [trusty]);
      const withMfa = await viaSso(upA, user('gwen', 'gwen@trusty.test', ['mfa']), 'gwen@trusty.test');
      assert.deepEqual((await tokensOf(withMfa.page, withMfa.auth)).claims()?.amr, ['fed']);

      const frank = await member(server, 'frank@trusty.test', [trusty]);
      const secret = await giveTotp(server, frank);
      const pwdOnly = await viaSso(upA, user('frank', 'frank@trusty.test', ['pwd']), 'frank@trusty.test');
      assert.ok(isMfaChallenge(pwdOnly.page), textOf(pwdOnly.page.text).slice(0, 300));
      const done = await submitCode(pwdOnly.browser, pwdOnly.page, await appCode(secret));
      const tokens = await tokensOf(done, pwdOnly.auth);
      assert.deepEqual(tokens.claims()?.amr, ['fed', 'pwd', 'otp', 'mfa']);
    });

    it('P6: the hook decides at step-up too — acr_values=mfa on an SSO-exempt session asks for our factor', async () => {
      const hank = await member(server, 'hank@acme.test', [acme]);
      await giveTotp(server, hank);
      const first = await viaSso(upA, user('hank', 'hank@acme.test'), 'hank@acme.test');
      assert.equal(first.page.status, 0, 'exempt at sign-in');
      const stepUp = await open(first.browser, await rp.authorize({ acr_values: ACR_MFA }));
      assert.ok(isMfaChallenge(stepUp), textOf(stepUp.text).slice(0, 300));
    });

    it('F1: an unknown or replayed state, and a denial at the upstream, give a clear page and no session', async () => {
      const browser = new Browser();
      const unknown = await browser.request(
        new URL(`/sso/callback?code=abc&state=${'A'.repeat(43)}`, server.issuer),
      );
      assertRefused(unknown, 400, 'This single sign-on response is invalid or has expired.');
      assertRefused(await browser.request(new URL('/sso/callback?code=abc', server.issuer)), 400, 'invalid');

      await member(server, 'ivan@acme.test', [acme]);
      const denied = await viaSso(upA, { error: 'access_denied' }, 'ivan@acme.test', { browser });
      assertRefused(denied.page, 403, "The sign-in at Acme's identity provider was cancelled or denied.");
      assert.match(denied.page.text, /href="\/interaction\/[^"]+"[^>]*>Back to sign-in</);
      await assertNoSession(browser);

      // The callback works once: its state is taken.
      upA.next = user('ivan', 'ivan@acme.test');
      const auth = await rp.authorize();
      const callback = await browser.submit(
        await open(browser, auth),
        { email: 'ivan@acme.test', password: '' },
        /\/login$/,
        isSsoCallback,
      );
      const done = await browser.follow(callback.url, isCallback);
      await tokensOf(done, auth);
      const replay = await browser.follow(callback.url, isCallback);
      assert.equal(replay.status, 400);
      assert.ok(textOf(replay.text).includes('invalid or has expired'));
    });

    it('F1: an ID token with a wrong nonce, issuer or audience, or signed with another key, is refused', async () => {
      await member(server, 'jill@acme.test', [acme]);
      const tampers = [
        { claims: (c: Record<string, unknown>) => ({ ...c, nonce: 'not-the-nonce' }) },
        { claims: (c: Record<string, unknown>) => ({ ...c, iss: 'http://127.0.0.1:1' }) },
        { claims: (c: Record<string, unknown>) => ({ ...c, aud: 'someone-else' }) },
        { foreignKey: true },
      ];
      try {
        for (const tamper of tampers) {
          upA.tamper = tamper;
          const { browser, page } = await viaSso(upA, user('jill', 'jill@acme.test'), 'jill@acme.test');
          assertRefused(page, 401, "The answer of Acme's identity provider could not be verified.");
          await assertNoSession(browser);
        }
      } finally {
        upA.tamper = undefined;
      }
    });

    it('F1: an answer from another issuer than the attempt expects is refused (tampered attempt state)', async () => {
      await member(server, 'kate@acme.test', [acme]);
      upA.next = user('kate', 'kate@acme.test');
      const browser = new Browser();
      const first = await open(browser, await rp.authorize());
      const callback = await browser.submit(
        first,
        { email: 'kate@acme.test', password: '' },
        /\/login$/,
        isSsoCallback,
      );
      // The stored attempt now says Globex (upstream B) while the code came from upstream A.
      const state = new URL(callback.url).searchParams.get('state')!;
      const { kv } = server.services.eph;
      const attempt = JSON.parse((await kv.get(`sso:attempt:${state}`))!);
      const forged = { ...attempt, orgId: globex.id, issuer: upB.issuer, clientId: upB.clientId };
      await kv.set(`sso:attempt:${state}`, JSON.stringify(forged), 60);
      const page = await browser.follow(callback.url, isCallback);
      assertRefused(page, 401, "The answer of Globex's identity provider could not be verified.");
      await assertNoSession(browser);
    });

    it('F1: an upstream e-mail outside the domains, an unverified one, a non-member and an unknown account are refused', async () => {
      await member(server, 'jane@acme.test', [acme]);
      await member(server, 'kim@acme.test', [initech]);
      const cases: Array<[UpstreamUser, number, string]> = [
        [
          user('mallory', 'mallory@evil.test'),
          403,
          "The e-mail address mallory@evil.test is not covered by Acme's single sign-on.",
        ],
        [
          { ...user('jane', 'jane@acme.test'), email_verified: false },
          403,
          "Acme's identity provider has not verified your e-mail address.",
        ],
        [user('kim', 'kim@acme.test'), 403, 'Your account is not a member of Acme.'],
        [user('leo', 'leo@acme.test'), 403, 'Acme has no account for leo@acme.test.'],
      ];
      for (const [who, status, message] of cases) {
        const { browser, page } = await viaSso(upA, who, 'jane@acme.test');
        assertRefused(page, status, message);
        await assertNoSession(browser);
      }
    });

    it('F1: two organizations with different upstreams — a user of one cannot be linked through the other; a linked subject is bound to its organization', async () => {
      await member(server, 'mia@acme.test', [acme]);
      await member(server, 'nina@globex.test', [acme]);
      // Upstream B (Globex) vouches for an Acme address, or for a Globex address of an Acme-only user.
      const foreign = await viaSso(upB, user('mia-at-b', 'mia@acme.test'), 'someone@globex.test');
      assertRefused(
        foreign.page,
        403,
        "The e-mail address mia@acme.test is not covered by Globex's single sign-on.",
      );
      const notMember = await viaSso(upB, user('nina-at-b', 'nina@globex.test'), 'nina@globex.test');
      assertRefused(notMember.page, 403, 'Your account is not a member of Globex.');

      // Oscar is in Acme and Hooli (free), which share upstream A: linked through Acme, his upstream
      // subject is refused through Hooli; through Acme the link holds even after a rename upstream.
      const hooli = await ssoOrg(server, 'Hooli', { upstream: upA, plan: 'free', domains: ['hooli.test'] });
      const oscar = await member(server, 'oscar@acme.test', [acme, hooli]);
      const linked = await viaSso(upA, user('oscar', 'oscar@acme.test'), 'oscar@acme.test');
      assert.equal((await tokensOf(linked.page, linked.auth)).claims()?.sub, oscar);
      const through = await viaSso(upA, user('oscar', 'oscar@hooli.test'), 'oscar@hooli.test', {
        button: true,
      });
      assertRefused(
        through.page,
        403,
        'This identity provider account is linked through another organization',
      );
      const renamed = await viaSso(upA, user('oscar', 'o.renamed@acme.test'), 'o.renamed@acme.test');
      assert.equal((await tokensOf(renamed.page, renamed.auth)).claims()?.sub, oscar);
      const links = await server.services.sor.findSsoLink(upA.issuer, 'oscar');
      assert.equal(links?.orgId, acme.id);
    });

    it('F1, U5: just-in-time creation of a member, when the connection allows it, with the address verified', async () => {
      const jitco = await ssoOrg(server, 'Jitco', {
        upstream: upB,
        enforced: true,
        plan: 'free',
        jitProvisioning: true,
        domains: ['jit.test'],
      });
      const { page, auth } = await viaSso(upB, user('pat', 'pat@jit.test'), 'pat@jit.test');
      const sub = (await tokensOf(page, auth)).claims()!.sub;
      const [membership] = await server.services.sor.listMembershipsOfUser(sub);
      assert.equal(membership.orgId, jitco.id);
      assert.equal(membership.role, 'member');
      const created = await server.services.sor.findUserById(sub);
      assert.ok(created?.emailVerifiedAt, 'U5: the upstream verified the address, so it counts as verified');
      const events = await server.services.sor.listAudit({ orgId: jitco.id });
      assert.ok(events.some((e) => e.action === 'sso.user_created' && e.targetUserId === sub));
    });

    it('F1: a broken connection gives a clear error page, never the password; the owner sees it broken with the reason', async () => {
      const browser = new Browser();
      const first = await open(browser, await rp.authorize());
      const viaEmail = await emailStep(browser, first, 'x@broken.test');
      assert.equal(viaEmail.status, 502);
      assert.ok(textOf(viaEmail.text).includes('The sign-in service of Broken cannot be reached right now'));
      assert.doesNotMatch(viaEmail.text, /name="password"/);
      const withPassword = await submitPassword(browser, first, 'x@broken.test', PASSWORD);
      assert.equal(withPassword.status, 403, 'enforced: no password fallback');
      const viaButton = await ssoButton(browser, first, 'quinn@wayne.test');
      assert.equal(viaButton.status, 502);
      await assertNoSession(browser);

      // Wayne's owner (not enforced, so a password works) sees the connection broken, with why.
      await member(server, 'wendy@owners.test', [wayne], 'owner');
      const owner = new Browser();
      await accountSignIn(owner, server, 'wendy@owners.test', PASSWORD);
      const orgPage = textOf(
        (await owner.request(new URL(`/account/organizations/${wayne.id}`, server.issuer))).text,
      );
      assert.match(orgPage, /Status Broken: .*(ECONNREFUSED|fetch failed)/);
      assert.ok(orgPage.includes('wayne.test'));
      assert.ok(orgPage.includes(`${server.issuer}/sso/callback`), 'the redirect URI to register');

      // Acme's owner, signed in through SSO, sees a working connection.
      await member(server, 'rita@acme.test', [acme], 'owner');
      const rita = await viaSso(upA, user('rita', 'rita@acme.test'), 'rita@acme.test');
      assert.equal(rita.page.status, 0);
      const acmePage = textOf(
        (await rita.browser.request(new URL(`/account/organizations/${acme.id}`, server.issuer))).text,
      );
      assert.match(acmePage, /Status Working/);
      assert.ok(acmePage.includes(upA.issuer));
    });

    it('X1: the SSO button without an e-mail, or for an address without SSO, re-shows the sign-in with a clear message', async () => {
      const browser = new Browser();
      const first = await open(browser, await rp.authorize());
      const empty = await ssoButton(browser, first, '');
      assert.equal(empty.status, 400);
      assert.ok(
        textOf(empty.text).includes("Enter your e-mail address to find your organization's single sign-on."),
      );
      const none = await ssoButton(browser, first, 'someone@example.test');
      assert.equal(none.status, 400);
      assert.ok(textOf(none.text).includes('No single sign-on is set up for this e-mail address.'));
      assert.match(none.text, /name="password"/);
    });

    it('T4: the client secret of a connection is sealed at rest', async () => {
      const dump = await dumpDatabase(server.services.sor);
      assert.ok(dump.includes(acme.id));
      assert.ok(!dump.includes(upA.clientSecret), 'the secret is not stored in the clear');
      assert.ok(!dump.includes(upB.clientSecret));
    });
  });
}
