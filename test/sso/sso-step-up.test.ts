// F2, P6: re-authentication and step-up after an SSO sign-in go back through the organization's
// SSO connection (prompt=login and max_age forwarded to the upstream), never to a password form;
// a step-up then applies our own MFA where the policy says so (P5 enrollment included). The
// upstream is a second node-oidc-provider on loopback; the relying party is openid-client.
import assert from 'node:assert/strict';
import { ACR_FEDERATED, ACR_MFA } from '../../src/oidc/acr.ts';
import type { Organization } from '../../src/store/records.ts';
import { giveTotp } from '../support/account.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { appCode, finishFromCodesPage, isEnrollment, secretFromPage } from '../support/mfa.ts';
import { type Authorization, open, RelyingParty } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';
import { emailStep, member, ssoOrg } from './support.ts';
import { startUpstream, type Upstream, type UpstreamUser } from './upstream.ts';

const user = (sub: string, email: string, amr: string[] = ['pwd']): UpstreamUser => ({
  sub,
  email,
  email_verified: true,
  amr,
});

for (const mode of STORE_MODES) {
  describe(`SSO re-authentication and step-up (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let rp: RelyingParty;
    let up: Upstream;
    /** Paid, SSO enforced: its members are exempt from our MFA at an SSO sign-in (P2). */
    let acme: Organization;

    before(async () => {
      server = await startTestServer(mode);
      up = await startUpstream({ redirectUri: `${server.issuer}/sso/callback` });
      rp = await RelyingParty.discover(server.issuer);
      acme = await ssoOrg(server, 'Acme', { upstream: up, enforced: true, domains: ['acme.test'] });
    });
    after(async () => {
      await up?.stop();
      await server?.stop();
    });

    function assertCallback(page: Page) {
      assert.doesNotMatch(page.text, /name="password"/, 'never a password page');
      assert.equal(
        page.status,
        0,
        `expected the callback, got ${page.status}: ${textOf(page.text).slice(0, 300)}`,
      );
    }

    /** A first SSO sign-in (exempt, no MFA) in a fresh browser; returns the browser and the sub. */
    async function signedIn(email: string, sub: string) {
      const browser = new Browser();
      up.next = user(sub, email);
      const auth = await rp.authorize();
      const page = await emailStep(browser, await open(browser, auth), email);
      assertCallback(page);
      const claims = (await rp.callback(page.url, auth)).claims()!;
      assert.deepEqual(claims.amr, ['fed', 'pwd']);
      return { browser, sub: claims.sub };
    }

    async function reauthenticate(browser: Browser, params: Record<string, string>) {
      const before = up.requests.length;
      const auth: Authorization = await rp.authorize(params);
      const page = await open(browser, auth);
      return { auth, page, upstream: up.requests.slice(before) };
    }

    for (const [name, params, forwarded, wait] of [
      ['prompt=login', { prompt: 'login' }, ['prompt', 'login'], 0],
      // The provider treats max_age=0 as prompt=login (OIDC Core); both go upstream.
      ['max_age=0', { max_age: '0' }, ['max_age', '0'], 0],
      ['an exceeded max_age', { max_age: '1' }, ['max_age', '1'], 2100],
    ] as const) {
      it(`F2, P6: ${name} after an SSO sign-in goes back through the upstream with ${forwarded.join('=')} forwarded, no password page; amr has fed, same account`, async () => {
        const email = `${forwarded[0]}-${wait}@acme.test`;
        await member(server, email, [acme]);
        const first = await signedIn(email, `up-${forwarded[0]}-${wait}`);
        await new Promise((resolve) => setTimeout(resolve, wait));
        const startedAt = Math.floor(Date.now() / 1000);
        const { auth, page, upstream } = await reauthenticate(first.browser, params);
        assertCallback(page);
        assert.equal(upstream.length, 1, 'one authorization request at the upstream');
        assert.equal(upstream[0].get(forwarded[0]), forwarded[1], `the upstream saw ${forwarded.join('=')}`);
        assert.equal(upstream[0].get('login_hint'), email);
        const claims = (await rp.callback(page.url, auth)).claims()!;
        assert.equal(claims.sub, first.sub, 'the same account');
        assert.deepEqual(claims.amr, ['fed', 'pwd']);
        assert.equal(claims.acr, ACR_FEDERATED);
        assert.ok((claims.auth_time ?? 0) >= startedAt, 'a fresh authentication');
      });
    }

    it('F2, P2: prompt=login of an SSO-exempt member who has a factor goes through the upstream again and gets no MFA prompt', async () => {
      const id = await member(server, 'withapp@acme.test', [acme]);
      await giveTotp(server, id);
      const first = await signedIn('withapp@acme.test', 'up-withapp');
      const { auth, page, upstream } = await reauthenticate(first.browser, { prompt: 'login' });
      assertCallback(page);
      assert.equal(upstream[0]?.get('prompt'), 'login');
      assert.deepEqual((await rp.callback(page.url, auth)).claims()?.amr, ['fed', 'pwd']);
    });

    it('F2, P5, P6: acr_values=mfa after an SSO sign-in of an enforced member with no factor re-authenticates through the upstream, then enrolls; the ID token has acr mfa and amr mfa', async () => {
      await member(server, 'stepup@acme.test', [acme]);
      const first = await signedIn('stepup@acme.test', 'up-stepup');
      const { auth, page, upstream } = await reauthenticate(first.browser, { acr_values: ACR_MFA });
      assert.doesNotMatch(page.text, /name="password"/, 'never a password page');
      assert.ok(isEnrollment(page), `P5: enrollment, got ${page.status}: ${textOf(page.text).slice(0, 300)}`);
      assert.equal(upstream.length, 1, 'T1: the re-authentication went through the upstream');
      assert.equal(upstream[0].get('prompt'), 'login');
      const codes = await first.browser.submit(
        page,
        { code: await appCode(secretFromPage(page)) },
        /confirm$/,
      );
      const done = await finishFromCodesPage(first.browser, codes);
      assertCallback(done);
      const claims = (await rp.callback(done.url, auth)).claims()!;
      assert.equal(claims.sub, first.sub);
      assert.equal(claims.acr, ACR_MFA);
      assert.ok((claims.amr as string[]).includes('mfa'), String(claims.amr));
      assert.ok((claims.amr as string[]).includes('fed'), String(claims.amr));
    });

    it('F2: a re-authentication at the upstream as another person (another account here) is refused; the session stays the first account', async () => {
      await member(server, 'first@acme.test', [acme]);
      await member(server, 'second@acme.test', [acme]);
      const first = await signedIn('first@acme.test', 'up-first');
      up.next = user('up-second', 'second@acme.test');
      const { page } = await reauthenticate(first.browser, { prompt: 'login' });
      assert.equal(page.status, 403, textOf(page.text).slice(0, 300));
      assert.ok(textOf(page.text).includes('as a different person'), textOf(page.text).slice(0, 300));
      assert.doesNotMatch(page.text, /name="password"/);
      const silent = await rp.authorize({ prompt: 'none' });
      const back = await open(first.browser, silent);
      assert.equal(back.status, 0, textOf(back.text).slice(0, 300));
      assert.equal((await rp.callback(back.url, silent)).claims()?.sub, first.sub, 'not switched');
    });
  });
}
