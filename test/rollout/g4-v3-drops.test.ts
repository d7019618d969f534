// G4, V3: a password change, an MFA reset, a removed method, a lockout and a password recovery each
// drop every remembered device of the user (inside endEverything): the browser that was remembered
// is asked for the second factor again (or, after a reset, to enroll; after a lockout, who can
// reset it).
import assert from 'node:assert/strict';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { waitForMail } from '../support/mail.ts';
import { appCode, isEnrollment, isMfaChallenge } from '../support/mfa.ts';
import { endBrowserSession, signInWithCode } from '../support/remember.ts';
import { passwordStep, RelyingParty } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const NEW_PASSWORD = 'another long and correct password';
const LOCKOUT = 3;

for (const mode of STORE_MODES) {
  describe(`G4, V3: security changes drop remembered devices (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    let rp: RelyingParty;
    let n = 0;
    const url = (path: string) => new URL(path, server.issuer);

    before(async () => {
      server = await startTestServer(mode, { env: { MFA_LOCKOUT_THRESHOLD: String(LOCKOUT) } });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    /** A member (of a paid or free organization that allows 7 days) with a remembered browser. */
    async function remembered(plan: 'paid' | 'free' = 'paid') {
      const { sor } = server.services;
      const email = `g4-v3-${++n}@example.test`;
      const id = await server.createUser(email, PASSWORD, { plan, role: 'member' });
      const [{ orgId }] = await sor.listMembershipsOfUser(id);
      await sor.updateOrg(orgId, { rememberDeviceDays: 7 });
      const who = { id, email, password: PASSWORD, secret: await giveTotp(server, id), orgId };
      const browser = new Browser();
      // The previous time step, so this test's later codes (steps 0 and 1) are new ones (T4).
      await signInWithCode(browser, rp, who, { remember: true, step: -1 });
      endBrowserSession(browser);
      assert.equal((await passwordStep(browser, rp, email, PASSWORD)).page.status, 0, 'remembered');
      endBrowserSession(browser);
      return { who, browser };
    }

    const devicesOf = (userId: string) => server.services.sor.listRememberedDevices(userId);

    it('G4, V3: a password change drops the devices; the remembered browser is asked for the second factor', async () => {
      const { who, browser } = await remembered();
      const other = new Browser();
      await accountSignIn(other, server, who.email, PASSWORD, who.secret, 0);
      const form = await other.request(url('/account/security/password'));
      const done = await other.submit(
        form,
        { current: PASSWORD, new: NEW_PASSWORD, code: await appCode(who.secret, 1) },
        /password$/,
      );
      assert.match(textOf(done.text), /Your password was changed/);
      assert.deepEqual(await devicesOf(who.id), []);
      const { page } = await passwordStep(browser, rp, who.email, NEW_PASSWORD);
      assert.ok(isMfaChallenge(page), textOf(page.text).slice(0, 200));
    });

    it("G4, V3: an owner's MFA reset drops the devices; the remembered browser must enroll again (P5)", async () => {
      const { who, browser } = await remembered();
      const ownerEmail = `g4-owner-${n}@example.test`;
      const ownerId = await server.createUser(ownerEmail, PASSWORD);
      await server.services.sor.setMembership(ownerId, who.orgId, 'owner');
      const owner = new Browser();
      const page = await accountSignIn(owner, server, ownerEmail, PASSWORD, await giveTotp(server, ownerId));
      const res = await owner.request(
        url(`/account/organizations/${who.orgId}/members/${who.id}/reset-mfa`),
        {
          form: { csrf: csrfOf(page), reason: 'lost phone' },
        },
      );
      assert.equal(res.status, 200, textOf(res.text).slice(0, 200));
      assert.deepEqual(await devicesOf(who.id), []);
      const after = await passwordStep(browser, rp, who.email, PASSWORD);
      assert.ok(isEnrollment(after.page), textOf(after.page.text).slice(0, 200));
    });

    it('G4, V3: removing a method drops the devices; with an app again the remembered browser is asked for it', async () => {
      const { who, browser } = await remembered('free'); // P4: not mandatory, so the app may go
      const other = new Browser();
      const page = await accountSignIn(other, server, who.email, PASSWORD, who.secret, 0);
      const removed = await other.submit(page, { code: await appCode(who.secret, 1) }, /totp\/disable$/);
      assert.match(textOf(removed.text), /The method was disabled/);
      assert.deepEqual(await devicesOf(who.id), []);
      await giveTotp(server, who.id);
      const { page: next } = await passwordStep(browser, rp, who.email, PASSWORD);
      assert.ok(isMfaChallenge(next), textOf(next.text).slice(0, 200));
    });

    it('G4, V3: a password recovery (U4, with the second factor) drops the devices; the remembered browser is asked for it with the new password', async () => {
      const { who, browser } = await remembered();
      const other = new Browser();
      await other.submit(await other.request(url('/recover')), { email: who.email }, /\/recover$/);
      const mail = await waitForMail(server, who.email, /./); // the recovery link, the only mail
      const link = /(http:\/\/\S+\/recover\/reset\?token=[\w-]+)/.exec(mail.text)?.[1];
      assert.ok(link, 'a recovery link');
      const page = await other.request(new URL(link));
      const done = await other.submit(
        page,
        { password: NEW_PASSWORD, code: await appCode(who.secret, 0) },
        /reset$/,
      );
      assert.match(textOf(done.text), /Your password was reset/);
      assert.deepEqual(await devicesOf(who.id), []);
      const { page: next } = await passwordStep(browser, rp, who.email, NEW_PASSWORD);
      assert.ok(isMfaChallenge(next), textOf(next.text).slice(0, 200));
    });

    it('G4, V3: a lockout (wrong codes up to MFA_LOCKOUT_THRESHOLD) drops the devices; the remembered browser gets no way around it', async () => {
      const { who, browser } = await remembered();
      const other = new Browser();
      let page = (await passwordStep(other, rp, who.email, PASSWORD)).page;
      const good = await appCode(who.secret);
      const wrong = good === '000000' ? '111111' : '000000';
      for (let i = 0; i < LOCKOUT; i++) page = await other.submit(page, { code: wrong }, /\/mfa\/verify$/);
      assert.equal(page.status, 423, textOf(page.text).slice(0, 200));
      assert.deepEqual(await devicesOf(who.id), []);
      const after = await passwordStep(browser, rp, who.email, PASSWORD);
      assert.notEqual(after.page.status, 0, 'no code for the relying party');
      assert.equal(after.page.status, 423, textOf(after.page.text).slice(0, 200));
    });
  });
}
