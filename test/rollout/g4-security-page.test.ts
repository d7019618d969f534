// G4 on the security page: remembered devices are listed (browser, IP, last used, expiry, this
// device) and forgotten one by one or all at once (CSRF-checked); a forgotten device — and a
// session or refresh token that relied on it — is asked for the second factor again. A remembered
// sign-in opens the account pages but never counts as the recent second factor of G5.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { textOf } from '../support/browser.ts';
import { isMfaChallenge } from '../support/mfa.ts';
import {
  endBrowserSession,
  FIREFOX_LINUX,
  NamedBrowser,
  SAFARI_IPHONE,
  signInWithCode,
} from '../support/remember.ts';
import { open, passwordStep, RelyingParty } from '../support/rp.ts';
import { STORE_MODES } from '../support/server.ts';
import { PASSWORD, type SmsTestServer, startSmsServer } from '../support/sms.ts';

const today = () => new Date().toISOString().slice(0, 10);
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

for (const mode of STORE_MODES) {
  describe(`G4: remembered devices on the security page (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: SmsTestServer;
    let rp: RelyingParty;
    let n = 0;
    const url = (path: string) => new URL(path, server.issuer);

    before(async () => {
      server = await startSmsServer(mode);
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    async function member() {
      const { sor } = server.services;
      const email = `g4-page-${++n}@example.test`;
      const id = await server.createUser(email, PASSWORD, { plan: 'paid' });
      const [{ orgId }] = await sor.listMembershipsOfUser(id);
      await sor.updateOrg(orgId, { rememberDeviceDays: 14 });
      return { id, email, password: PASSWORD, secret: await giveTotp(server, id) };
    }

    /** A browser that ticked the box, then lost its session. */
    async function rememberedBrowser(who: Awaited<ReturnType<typeof member>>, ua: string, step = 0) {
      const browser = new NamedBrowser(ua);
      await signInWithCode(browser, rp, who, { remember: true, step });
      endBrowserSession(browser);
      return browser;
    }

    it('G4: the list shows each device (browser, IP, last used, expiry, this device); a remembered sign-in opens the account pages without a code', async () => {
      const who = await member();
      const laptop = await rememberedBrowser(who, FIREFOX_LINUX);
      await rememberedBrowser(who, SAFARI_IPHONE, 1);
      const page = await accountSignIn(laptop, server, who.email, PASSWORD); // no secret: no MFA step
      const section = textOf(page.text.slice(page.text.indexOf('id="devices"')));
      assert.match(section, /Remembered devices/);
      assert.match(section, /Firefox 140 \/ Linux · this device/);
      assert.match(section, /Safari 18 \/ iOS/);
      assert.doesNotMatch(section, /Safari 18 \/ iOS · this device/);
      assert.match(section, /127\.0\.0\.1/);
      assert.ok(section.includes(today()), 'last used today');
      assert.ok(section.includes(inDays(14)), 'remembered for 14 days');
    });

    it('G4: "Forget" ends one device: its next sign-in asks for the second factor; the other stays remembered; a form without the CSRF token changes nothing', async () => {
      const who = await member();
      const laptop = await rememberedBrowser(who, FIREFOX_LINUX);
      const phone = await rememberedBrowser(who, SAFARI_IPHONE, 1);
      const page = await accountSignIn(laptop, server, who.email, PASSWORD);
      const devices = await server.services.sor.listRememberedDevices(who.id);
      const phoneDevice = devices.find((d) => d.browser?.startsWith('Safari'))!;

      const forged = await laptop.request(url('/account/security/devices/forget'), {
        form: { csrf: 'forged', id: phoneDevice.id },
      });
      assert.equal(forged.status, 403);
      assert.equal((await server.services.sor.listRememberedDevices(who.id)).length, 2);

      const done = await laptop.follow(
        url('/'),
        undefined,
        await laptop.request(url('/account/security/devices/forget'), {
          form: { csrf: csrfOf(page), id: phoneDevice.id },
        }),
      );
      assert.match(textOf(done.text), /The device will be asked for the second step again/);
      assert.doesNotMatch(textOf(done.text), /Safari 18/);
      assert.ok(
        isMfaChallenge((await passwordStep(phone, rp, who.email, PASSWORD)).page),
        'the phone is asked',
      );
      endBrowserSession(laptop);
      assert.equal((await passwordStep(laptop, rp, who.email, PASSWORD)).page.status, 0, 'the laptop is not');
    });

    it('G4: "Forget all devices" ends every device; a session (this account page included) and a refresh token that relied on one need the second factor again', async () => {
      const who = await member();
      const laptop = await rememberedBrowser(who, FIREFOX_LINUX);
      const { page, auth } = await passwordStep(laptop, rp, who.email, PASSWORD);
      assert.equal(page.status, 0);
      const tokens = await rp.callback(page.url, auth);
      const security = await laptop.request(url('/account/security')); // the same session
      assert.equal(security.status, 200, 'the remembered session opens the account pages');
      const done = await laptop.follow(
        url('/'),
        undefined,
        await laptop.request(url('/account/security/devices/forget-all'), {
          form: { csrf: csrfOf(security) },
        }),
      );
      // This very session relied on a device: the account pages now ask for the second factor.
      assert.ok(isMfaChallenge(done), textOf(done.text).slice(0, 200));
      assert.deepEqual(await server.services.sor.listRememberedDevices(who.id), []);
      // The same browser session, the next authorization: the second factor now.
      assert.ok(isMfaChallenge(await open(laptop, await rp.authorize())));
      // The refresh token of the remembered sign-in is refused (I7 says why).
      await assert.rejects(client.refreshTokenGrant(rp.config, tokens.refresh_token!), (err: Error) => {
        assert.match(String((err as { error?: string }).error), /invalid_grant/);
        return true;
      });
    });

    it('G4, G5: a remembered sign-in is no recent second factor — adding a method asks for the current one first', async () => {
      const who = await member();
      const laptop = await rememberedBrowser(who, FIREFOX_LINUX);
      await accountSignIn(laptop, server, who.email, PASSWORD);
      const add = await laptop.request(url('/account/security/sms'));
      assert.match(textOf(add.text), /Confirm with your current method/, textOf(add.text).slice(0, 200));
    });
  });
}
