// W2, W3, W5, W7, F1, V2, L4: passkeys at sign-in through the hosted pages, with a software
// authenticator playing the browser's WebAuthn and openid-client as the relying party checking amr
// and acr.
import assert from 'node:assert/strict';
import { ACR_MFA, ACR_PHR } from '../../src/oidc/acr.ts';
import { ssoOrg } from '../sso/support.ts';
import { giveTotp } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { appCode } from '../support/mfa.ts';
import {
  ceremony,
  ceremonyOptions,
  enrollPasskey,
  givePasskey as give,
  isPasskeyPage,
} from '../support/passkey.ts';
import { isCallback, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

const PASSWORD = 'a long and correct password';
const sorted = (v: unknown) => [...((v as string[]) ?? [])].sort();

for (const mode of STORE_MODES) {
  describe(`Passkeys at sign-in (${mode} stores)`, function () {
    this.timeout(90_000);
    let server: TestServer;
    let rp: RelyingParty;
    let n = 0;
    before(async () => {
      server = await startTestServer(mode);
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    async function user(plan: 'free' | 'paid' = 'free') {
      const email = `pk-flow-${mode}-${++n}@example.test`;
      return { email, id: await server.createUser(email, PASSWORD, { plan }) };
    }
    const givePasskey = (userId: string, synced = false) => give(server, userId, synced);

    it('W2, L4: after the password a user with a passkey and the app is asked for the passkey first (the app stays an alternative); amr pwd+hwk+user+mfa, acr phr', async () => {
      const u = await user('paid');
      await giveTotp(server, u.id);
      const authenticator = await givePasskey(u.id);
      const browser = new Browser();
      const auth = await rp.authorize();
      let page = await submitPassword(browser, await open(browser, auth), u.email, PASSWORD);
      assert.ok(isPasskeyPage(page), textOf(page.text).slice(0, 300));
      assert.match(page.text, /\?method=totp"/, 'the app is offered too');
      const app = await browser.follow(new URL(/href="([^"]*\?method=totp)"/.exec(page.text)![1], page.url));
      assert.match(app.text, /\?method=passkey"/, 'and from the app page, the passkey');
      const refused = await ceremony(browser, page, /\/mfa\/passkey$/, authenticator, { uv: false });
      assert.equal(refused.status, 401, 'W7: no user verification, no sign-in');
      assert.match(textOf(refused.text), /incorrect/i);
      page = await ceremony(browser, refused, /\/mfa\/passkey$/, authenticator, {}, isCallback);
      assert.equal(page.status, 0);
      const claims = (await rp.callback(page.url, auth)).claims()!;
      assert.deepEqual(sorted(claims.amr), ['hwk', 'mfa', 'pwd', 'user']);
      assert.equal(claims.acr, ACR_PHR);
    });

    it('W3: "Sign in with a passkey" signs in without a password — amr hwk+user+mfa (swk for a synced one), acr phr, no MFA step after', async () => {
      for (const synced of [false, true]) {
        const u = await user('paid');
        const authenticator = await givePasskey(u.id, synced);
        const browser = new Browser();
        const auth = await rp.authorize();
        const login = await open(browser, auth);
        assert.match(login.text, /autocomplete="username webauthn"/, 'conditional UI: passkeys in autofill');
        const page = await ceremony(browser, login, /\/passkey$/, authenticator, {}, isCallback);
        assert.equal(page.status, 0, textOf(page.text).slice(0, 300));
        const claims = (await rp.callback(page.url, auth)).claims()!;
        assert.deepEqual(sorted(claims.amr), sorted([synced ? 'swk' : 'hwk', 'mfa', 'user']));
        assert.equal(claims.acr, ACR_PHR);
      }
    });

    it('W3, W7: on the sign-in page an unknown passkey, a replayed assertion or one without user verification is refused with one message', async () => {
      const u = await user();
      const authenticator = await givePasskey(u.id);
      const browser = new Browser();
      const login = await open(browser, await rp.authorize());
      const stranger = new SoftAuthenticator({ origin: server.issuer });
      stranger.register({ challenge: 'x', user: { id: 'x' } });
      const unknown = await ceremony(browser, login, /\/passkey$/, stranger);
      assert.equal(unknown.status, 401);
      assert.match(textOf(unknown.text), /could not be used to sign in/);
      const noUv = await ceremony(browser, unknown, /\/passkey$/, authenticator, { uv: false });
      assert.equal(noUv.status, 401);
      // A good assertion, captured and posted again after it was used.
      const first = await open(browser, await rp.authorize());
      const options = ceremonyOptions(first, /\/passkey$/);
      const response = JSON.stringify(authenticator.assert(options));
      const action = new URL(/action="([^"]*\/passkey)"/.exec(first.text)![1], first.url);
      const used = await browser.request(action, { form: { response } });
      assert.equal(used.status, 303);
      const again = await browser.request(action, { form: { response } });
      assert.notEqual(again.status, 303, 'the same assertion does not sign in twice');
    });

    it('W5, P5: an essential acr phr for a user with only the app leads straight to adding a passkey, never to the app', async () => {
      const u = await user('paid');
      await giveTotp(server, u.id);
      const browser = new Browser();
      const claimsParam = JSON.stringify({ id_token: { acr: { essential: true, value: ACR_PHR } } });
      const auth = await rp.authorize({ claims: claimsParam });
      const page = await submitPassword(browser, await open(browser, auth), u.email, PASSWORD);
      assert.match(page.text, /action="[^"]*\/mfa\/enroll\/passkey"/, textOf(page.text).slice(0, 300));
      assert.doesNotMatch(page.text, /\/mfa\/verify"/, 'the app is not offered for phr');
      const done = await enrollPasskey(browser, page, server.issuer);
      assert.equal((await rp.callback(done.url, auth)).claims()?.acr, ACR_PHR);
    });

    it('W3, F1: a member of an organization that enforces SSO is sent to its SSO, not signed in by a passkey', async () => {
      const org = await ssoOrg(server, `Initech ${mode}`, {
        enforced: true,
        issuer: 'https://idp.initech.test',
        domains: [`initech-${mode}.test`],
      });
      const u = await user();
      await server.services.sor.setMembership(u.id, org.id, 'member');
      const authenticator = await givePasskey(u.id);
      const browser = new Browser();
      const login = await open(browser, await rp.authorize());
      const page = await ceremony(browser, login, /\/passkey$/, authenticator, {}, isCallback);
      assert.equal(page.status, 403, 'no sign-in');
      assert.match(textOf(page.text), new RegExp(`Initech ${mode}`));
      assert.match(textOf(page.text), /requires you to sign in through its single sign-on/);
      assert.ok(
        page.text.includes(`value="${u.email}"`),
        'the way forward: the e-mail step leads to its SSO',
      );
    });

    it('X1, W6: a passkey step without a response is a clear 400; the page says what needs script and offers a way back', async () => {
      const u = await user('paid');
      await givePasskey(u.id);
      const browser = new Browser();
      const page = await submitPassword(
        browser,
        await open(browser, await rp.authorize()),
        u.email,
        PASSWORD,
      );
      assert.ok(isPasskeyPage(page));
      assert.match(textOf(page.text), /Passkeys need JavaScript/);
      assert.match(page.text, /href="\/interaction\/[^"]+\/abort"/, 'X7: never a dead end');
      const action = new URL(/action="([^"]*\/mfa\/passkey)"/.exec(page.text)![1], page.url);
      assert.equal((await browser.request(action, { form: {} })).status, 400);
      const huge = await browser.request(action, { form: { response: 'x'.repeat(20_000) } });
      assert.ok([400, 413].includes(huge.status), `oversized: ${huge.status}`);
      const bad = await browser.request(action, { form: { response: '{"id":"nope","response":{}}' } });
      assert.equal(bad.status, 401);
      assert.doesNotMatch(bad.text, /at .*\.ts:\d+/, 'no stack trace');
    });

    it('W5, I2: discovery advertises phr; acr_values=phr after a password+app session asks for the passkey only, and the ID token says phr', async () => {
      assert.ok(rp.config.serverMetadata().acr_values_supported?.includes(ACR_PHR), 'I2');
      const u = await user('paid');
      const secret = await giveTotp(server, u.id);
      const authenticator = await givePasskey(u.id);
      const browser = new Browser();
      let auth = await rp.authorize();
      let page = await submitPassword(browser, await open(browser, auth), u.email, PASSWORD);
      page = await browser.follow(new URL(/href="([^"]*\?method=totp)"/.exec(page.text)![1], page.url));
      page = await browser.submit(page, { code: await appCode(secret) }, /\/mfa\/verify$/, isCallback);
      assert.equal((await rp.callback(page.url, auth)).claims()?.acr, ACR_MFA, 'the app gives mfa');

      auth = await rp.authorize({ acr_values: ACR_PHR });
      page = await open(browser, auth);
      assert.ok(isPasskeyPage(page), 'W5: phr asks for the passkey');
      assert.doesNotMatch(page.text, /\?method=totp"/, 'and offers nothing weaker');
      const weaker = await browser.follow(new URL(`${new URL(page.url).pathname}?method=totp`, page.url));
      assert.ok(isPasskeyPage(weaker), 'the app cannot be picked by hand');
      // The page opened last holds the interaction's challenge (the earlier one is replaced).
      page = await ceremony(browser, weaker, /\/mfa\/passkey$/, authenticator, {}, isCallback);
      assert.equal(page.status, 0);
      const claims = (await rp.callback(page.url, auth)).claims()!;
      assert.equal(claims.acr, ACR_PHR);
      // A phr session meets a later request for mfa (pwd < mfa < phr) without another step.
      const next = await rp.authorize({
        claims: JSON.stringify({ id_token: { acr: { essential: true, value: ACR_MFA } } }),
      });
      assert.equal((await open(browser, next)).status, 0);
    });
  });
}

for (const mode of STORE_MODES) {
  describe(`Passkey sign-in limits (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    before(async () => {
      server = await startTestServer(mode, { env: { LOGIN_MAX_ATTEMPTS_PER_IP: '3' } });
    });
    after(() => server?.stop());

    it('V2, L1: passkey sign-ins count per IP before anything is checked — of 6 parallel tries with a limit of 3, 3 are checked', async () => {
      const rp = await RelyingParty.discover(server.issuer);
      const browser = new Browser();
      const login = await open(browser, await rp.authorize());
      const stranger = new SoftAuthenticator({ origin: server.issuer });
      stranger.register({ challenge: 'x', user: { id: 'x' } });
      const action = new URL(/action="([^"]*\/passkey)"/.exec(login.text)![1], login.url);
      const response = JSON.stringify(stranger.assert({ challenge: 'x' }));
      const statuses = await Promise.all(
        Array.from({ length: 6 }, () =>
          browser.request(action, { form: { response } }).then((p) => p.status),
        ),
      );
      assert.deepEqual(statuses.sort(), [401, 401, 401, 429, 429, 429], `statuses: ${statuses.join(', ')}`);
    });
  });
}
