// G4: "Don't ask again on this device for N days" — offered after the second factor only where the
// organization allows it (off by default, the strictest of a member's organizations), honoured at
// the next sign-in on that browser with a truthful amr/acr, never for step-up, `phr`-like acr
// requests, max_age or prompt=login. openid-client is the relying party; both store modes.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { ACR_MFA, ACR_PASSWORD } from '../../src/oidc/acr.ts';
import { giveTotp } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { waitForMail } from '../support/mail.ts';
import { isMfaChallenge } from '../support/mfa.ts';
import {
  authOf,
  endBrowserSession,
  hasRememberBox,
  rememberCookie,
  signInWithCode,
} from '../support/remember.ts';
import { open, passwordStep, RelyingParty } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

for (const mode of STORE_MODES) {
  describe(`G4: remember this device (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    let rp: RelyingParty;
    let n = 0;

    before(async () => {
      server = await startTestServer(mode, { env: { REMEMBER_DEVICE_MAX_DAYS: '30' } });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    /** A member of a paid organization with an app; `days` is the organization's allowance. */
    async function member(days: number | undefined, plan: 'paid' | 'free' = 'paid') {
      const { sor } = server.services;
      const email = `g4-${++n}@example.test`;
      const id = await server.createUser(email, PASSWORD);
      const org = await sor.createOrg({ name: `G4 org ${n}`, plan });
      if (days !== undefined) await sor.updateOrg(org.id, { rememberDeviceDays: days });
      await sor.setMembership(id, org.id, 'member');
      return { id, email, password: PASSWORD, secret: await giveTotp(server, id), orgId: org.id };
    }

    /** Signs in with the box ticked, then ends the session: the browser keeps only its device. */
    async function remembered(who: Awaited<ReturnType<typeof member>>) {
      const browser = new Browser();
      const first = await signInWithCode(browser, rp, who, { remember: true });
      assert.equal(first.offered, true, 'the box is offered');
      assert.ok(rememberCookie(browser), 'the browser holds the device cookie');
      endBrowserSession(browser);
      return { browser, first };
    }

    it('G4, U6: with the box ticked the next sign-in on that browser asks no second factor; amr is ["pwd"] and acr the password class (no otp, no mfa); another browser is still asked; the user is mailed a notice', async () => {
      const who = await member(7);
      const { browser, first } = await remembered(who);
      assert.ok(authOf(first.tokens).amr.includes('otp'), 'the first sign-in used the app');
      const { page, auth } = await passwordStep(browser, rp, who.email, PASSWORD);
      assert.equal(page.status, 0, `no MFA step: ${textOf(page.text).slice(0, 200)}`);
      const tokens = await rp.callback(page.url, auth);
      assert.deepEqual(authOf(tokens), { amr: ['pwd'], acr: ACR_PASSWORD });
      // The token endpoint keeps honouring it (a refresh of this sign-in works), never upgrading it.
      const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
      assert.deepEqual(authOf(refreshed), { amr: ['pwd'], acr: ACR_PASSWORD });

      const elsewhere = await passwordStep(new Browser(), rp, who.email, PASSWORD);
      assert.ok(isMfaChallenge(elsewhere.page), 'a browser without the device is asked');
      const [device] = await server.services.sor.listRememberedDevices(who.id);
      assert.ok(device.expiresAt.getTime() - Date.now() <= 7 * 86_400_000, 'remembered for 7 days at most');
      const notice = await waitForMail(server, who.email, /skip the second step for 7 days/);
      assert.match(notice.text, /Forget all devices/, 'U6: the user is told, and how to undo it');
    });

    it('G4: off by default — no box, and a forged "remember" field remembers nothing; an allowance of 0 is off too', async () => {
      for (const days of [undefined, 0]) {
        const who = await member(days);
        const browser = new Browser();
        const { offered } = await signInWithCode(browser, rp, who, { remember: true });
        assert.equal(offered, false, `no box with allowance ${days}`);
        assert.equal(rememberCookie(browser), undefined);
        assert.deepEqual(await server.services.sor.listRememberedDevices(who.id), []);
        endBrowserSession(browser);
        assert.ok(isMfaChallenge((await passwordStep(browser, rp, who.email, PASSWORD)).page));
      }
    });

    it('G4: without the box ticked nothing is remembered and the next sign-in asks again', async () => {
      const who = await member(7);
      const browser = new Browser();
      assert.equal((await signInWithCode(browser, rp, who)).offered, true);
      assert.equal(rememberCookie(browser), undefined);
      endBrowserSession(browser);
      assert.ok(isMfaChallenge((await passwordStep(browser, rp, who.email, PASSWORD)).page));
    });

    it('G4: a member of several organizations gets the strictest allowance (30 and 0: never offered)', async () => {
      const who = await member(30);
      const other = await server.services.sor.createOrg({ name: `G4 other ${n}`, plan: 'free' });
      await server.services.sor.setMembership(who.id, other.id, 'member');
      const { offered } = await signInWithCode(new Browser(), rp, who, { remember: true });
      assert.equal(offered, false);
      assert.deepEqual(await server.services.sor.listRememberedDevices(who.id), []);
    });

    it('G4: never for step-up — acr_values asking for MFA, an essential acr, max_age and prompt=login still get the second factor, without the box; then amr says otp and mfa', async () => {
      const who = await member(7);
      const { browser } = await remembered(who);
      const essential = JSON.stringify({ id_token: { acr: { essential: true, value: ACR_MFA } } });
      const asks: Record<string, string>[] = [
        { acr_values: ACR_MFA },
        { claims: essential },
        { max_age: '600' },
        { prompt: 'login' },
      ];
      for (const params of asks) {
        endBrowserSession(browser);
        const { page } = await passwordStep(browser, rp, who.email, PASSWORD, params);
        assert.ok(isMfaChallenge(page), `${JSON.stringify(params)}: ${textOf(page.text).slice(0, 200)}`);
        assert.equal(hasRememberBox(page), false, `no box for ${JSON.stringify(params)}`);
      }
      endBrowserSession(browser);
      const stepped = await signInWithCode(browser, rp, who, { step: 1, params: { acr_values: ACR_MFA } });
      const { amr, acr } = authOf(stepped.tokens);
      assert.equal(acr, ACR_MFA);
      assert.ok(amr.includes('otp') && amr.includes('mfa'));
    });

    it('G4: a session that relied on the device still steps up when a relying party asks for MFA', async () => {
      const who = await member(7);
      const { browser } = await remembered(who);
      const plain = await passwordStep(browser, rp, who.email, PASSWORD);
      assert.equal(plain.page.status, 0);
      // Same browser session, now a request for MFA: the second factor is asked (no password again).
      const stepUp = await open(browser, await rp.authorize({ acr_values: ACR_MFA }));
      assert.ok(isMfaChallenge(stepUp), textOf(stepUp.text).slice(0, 200));
      assert.equal(hasRememberBox(stepUp), false);
    });

    it('G4: a device is honoured no more once the organization turns remembering off', async () => {
      const who = await member(7);
      const { browser } = await remembered(who);
      await server.services.sor.updateOrg(who.orgId, { rememberDeviceDays: 0 });
      assert.ok(isMfaChallenge((await passwordStep(browser, rp, who.email, PASSWORD)).page));
    });
  });
}
