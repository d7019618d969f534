// W1, W4, W6, W7, M3, R2, R3: adding passkeys (security page, inside the sign-in) and managing them,
// through the hosted pages with a software authenticator playing the browser's WebAuthn.
import assert from 'node:assert/strict';
import { resetMfaLocally } from '../../src/cli/mfa-local.ts';
import { ACR_PHR } from '../../src/oidc/acr.ts';
import { readOutbox } from '../../src/sms/index.ts';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { appCode } from '../support/mfa.ts';
import { ceremony, enrollPasskey, givePasskey as give, isPasskeyPage } from '../support/passkey.ts';
import { isCallback, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

const PASSWORD = 'a long and correct password';
const sorted = (v: unknown) => [...((v as string[]) ?? [])].sort();

for (const mode of STORE_MODES) {
  describe(`Passkeys: adding and managing them (${mode} stores)`, function () {
    this.timeout(90_000);
    let server: TestServer;
    let rp: RelyingParty;
    let n = 0;
    before(async () => {
      server = await startTestServer(mode);
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    const url = (path: string) => new URL(path, server.issuer);
    async function user(plan: 'free' | 'paid' = 'free') {
      const email = `pk-flow-${mode}-${++n}@example.test`;
      return { email, id: await server.createUser(email, PASSWORD, { plan }) };
    }
    const givePasskey = (userId: string, synced = false) => give(server, userId, synced);

    it('W1, W4, R3: a passkey is added on the security page after the password, listed, renamed, and removed with a passkey as proof', async () => {
      const u = await user();
      const browser = new Browser();
      await accountSignIn(browser, server, u.email, PASSWORD);
      let page = await browser.follow(url('/account/security/passkey'));
      assert.match(page.text, /href="\/account\/security\/passkey\/add"/, 'adding starts with the password');
      assert.match(textOf(page.text), /Passkeys need JavaScript/, 'W6: said plainly where script is missing');
      page = await browser.follow(url('/account/security/passkey/add'));
      assert.match(page.text, /action="\/account\/security\/reauth\?next=passkey"/, 'T1: the password first');
      page = await browser.submit(page, { password: PASSWORD }, /reauth/);
      const authenticator = new SoftAuthenticator({ origin: server.issuer });
      page = await ceremony(browser, page, /passkey\/register$/, authenticator);
      assert.equal(page.status, 200);
      assert.match(textOf(page.text), /The passkey was added/);
      assert.match(textOf(page.text), /Passkey 1/);
      const security = await browser.follow(url('/account/security'));
      assert.match(textOf(security.text), /1 passkey/, 'M1: listed on the security page');

      page = await browser.submit(page, { name: '  Work laptop  ' }, /passkey\/rename$/);
      assert.match(textOf(page.text), /Work laptop/);
      const refused = await ceremony(browser, page, /passkey\/remove$/, authenticator, { uv: false });
      assert.equal(refused.status, 401, 'W7: a proof without user verification is refused');
      assert.equal((await server.services.sor.listPasskeys(u.id)).length, 1);
      page = await ceremony(browser, refused, /passkey\/remove$/, authenticator);
      assert.match(textOf(page.text), /The method was disabled/);
      assert.deepEqual(await server.services.sor.listPasskeys(u.id), []);
      const actions = (await server.services.sor.listAudit({ userId: u.id })).map((e) => e.action);
      for (const a of ['factor.enrolled', 'passkey.renamed', 'factor.disabled'])
        assert.ok(actions.includes(a), a);
    });

    it('W1, W7, X1: a registration from another origin, or a malformed one, adds nothing (a clear 4xx)', async () => {
      const u = await user();
      const browser = new Browser();
      await accountSignIn(browser, server, u.email, PASSWORD);
      let page = await browser.follow(url('/account/security/passkey/add'));
      page = await browser.submit(page, { password: PASSWORD }, /reauth/);
      const phish = new SoftAuthenticator({ origin: 'https://deadbolt-login.example' });
      const refused = await ceremony(browser, page, /passkey\/register$/, phish, {
        rpId: new URL(server.issuer).hostname,
      });
      assert.equal(refused.status, 400);
      assert.deepEqual(await server.services.sor.listPasskeys(u.id), []);
      const bad = await browser.request(url('/account/security/passkey/register'), {
        form: { csrf: csrfOf(refused), response: '{"id":' },
      });
      assert.equal(bad.status, 400, 'X1: a malformed response is a clear 4xx');
    });

    it('W4, M3: the only passkey of a member for whom MFA is mandatory stays; with the app added it may go, proved by an app code', async () => {
      const u = await user('paid');
      const authenticator = await givePasskey(u.id);
      const browser = new Browser();
      let page = await browser.follow(url('/account/login'));
      page = await browser.submit(page, { email: u.email, password: PASSWORD }, /\/login$/);
      assert.ok(isPasskeyPage(page), 'W2: the passkey is asked for');
      page = await ceremony(browser, page, /\/mfa\/passkey$/, authenticator);
      page = await browser.follow(url('/account/security/passkey'));
      assert.doesNotMatch(page.text, /passkey\/remove/, 'no remove form for the last method');
      const [only] = await server.services.sor.listPasskeys(u.id);
      const kept = await browser.request(url('/account/security/passkey/remove'), {
        form: { csrf: csrfOf(page), id: only.factorId, code: '123456' },
      });
      assert.equal(kept.status, 409);
      const secret = await giveTotp(server, u.id);
      page = await browser.follow(url('/account/security/passkey'));
      page = await browser.submit(page, { code: await appCode(secret) }, /passkey\/remove$/);
      assert.match(textOf(page.text), /The method was disabled/);
      assert.deepEqual(await server.services.sor.listPasskeys(u.id), []);
    });

    it('W4, R2, R3, V3: a support reset removes the passkeys (audited); the passkey no longer signs in', async () => {
      const u = await user('paid');
      const authenticator = await givePasskey(u.id);
      const browser = new Browser();
      let page = await ceremony(
        browser,
        await open(browser, await rp.authorize()),
        /\/passkey$/,
        authenticator,
        {},
        isCallback,
      );
      assert.equal(page.status, 0, 'signed in with it');
      const who = { operator: 'support@example.test', reason: 'lost phone, identity checked' };
      const createdAt = new Date().toISOString();
      const result = await resetMfaLocally(
        server.services.sor,
        server.services.config,
        { id: u.id, email: u.email, createdAt },
        who,
      );
      assert.deepEqual(result.removed, { passkey: 1 });
      assert.deepEqual(await server.services.sor.listPasskeys(u.id), []);
      const reset = (await server.services.sor.listAudit({ userId: u.id })).find(
        (e) => e.action === 'mfa.reset',
      );
      assert.deepEqual(reset?.details.removed, { passkey: 1 });
      page = await ceremony(
        browser,
        await open(browser, await rp.authorize()),
        /\/passkey$/,
        authenticator,
        {},
        isCallback,
      );
      assert.equal(page.status, 401, 'the removed passkey is unknown now, and the old session is gone (V3)');
    });

    it('W1, P5: a member who must use MFA and has no method may add a passkey inside the sign-in instead of the app; amr pwd+hwk+user+mfa, acr phr', async () => {
      const u = await user('paid');
      const browser = new Browser();
      const auth = await rp.authorize();
      const enroll = await submitPassword(browser, await open(browser, auth), u.email, PASSWORD);
      assert.match(enroll.text, /\/enroll\/totp\/confirm"/, 'the app first, as before');
      const href = /href="([^"]*\?enroll=passkey)"/.exec(enroll.text)?.[1];
      assert.ok(href, 'W1: "Use a passkey instead" is offered');
      const page = await browser.follow(new URL(href, enroll.url));
      assert.match(textOf(page.text), /Passkeys need JavaScript/, 'W6: said plainly, with the other methods');
      assert.match(page.text, /\?enroll=sms"|enroll\/totp|href="\/interaction\/[^"?]+"/);
      const done = await enrollPasskey(browser, page, server.issuer);
      const claims = (await rp.callback(done.url, auth)).claims()!;
      assert.deepEqual(sorted(claims.amr), ['hwk', 'mfa', 'pwd', 'user']);
      assert.equal(claims.acr, ACR_PHR);
      assert.equal((await server.services.sor.listPasskeys(u.id)).length, 1);
    });

    it('W4, S3: a user with SMS and a passkey removes the passkey with a code texted on request (no script needed); a wrong code removes nothing', async () => {
      const u = await user();
      const phone = '+819012347777';
      await server.services.sor.insertFactor({ userId: u.id, type: 'sms', data: { phone } });
      await givePasskey(u.id);
      const texts = async () =>
        (await readOutbox(server.services.config.sms.outboxFile)).filter((e) => e.to === phone);
      const lastCode = async () => /\b(\d{6})\b/.exec((await texts()).at(-1)?.body ?? '')?.[1] ?? '';
      // Sign in with SMS instead of the passkey (offered first).
      const browser = new Browser();
      let page = await browser.follow(url('/account/login'));
      page = await browser.submit(page, { email: u.email, password: PASSWORD }, /\/login$/);
      const sms = /href="([^"]+\?method=sms)"/.exec(page.text)?.[1];
      assert.ok(sms, `SMS offered next to the passkey: ${textOf(page.text).slice(0, 200)}`);
      page = await browser.request(new URL(sms.replace(/&amp;/g, '&'), server.issuer));
      page = await browser.submit(page, { code: await lastCode() }, /\/mfa\/verify$/);
      assert.equal(new URL(page.url).pathname, '/account/security', textOf(page.text).slice(0, 200));

      page = await browser.follow(url('/account/security/passkey'));
      assert.match(
        page.text,
        /action="\/account\/security\/passkey\/remove\/sms"/,
        'a way to get a code by SMS',
      );
      const sentBefore = (await texts()).length;
      page = await browser.submit(page, {}, /passkey\/remove\/sms$/);
      assert.equal((await texts()).length, sentBefore + 1, 'a code is texted on request');
      assert.match(page.text, /name="method" value="sms"/);
      const code = await lastCode();
      const wrong = await browser.submit(
        page,
        { code: code === '000000' ? '111111' : '000000' },
        /passkey\/remove$/,
      );
      assert.equal(wrong.status, 401);
      assert.equal((await server.services.sor.listPasskeys(u.id)).length, 1, 'a wrong code removes nothing');
      page = await browser.submit(wrong, { code }, /passkey\/remove$/);
      assert.match(textOf(page.text), /The method was disabled/, textOf(page.text).slice(0, 200));
      assert.equal((await server.services.sor.listPasskeys(u.id)).length, 0);
      const [event] = (await server.services.sor.listAudit({ userId: u.id })).filter(
        (e) => e.action === 'factor.disabled',
      );
      assert.ok(event, 'R3: the removal is audited');
      assert.equal((event.details as { proof?: string }).proof, 'sms', 'R3: with the proof used');
    });
  });
}
