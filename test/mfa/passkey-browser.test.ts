// W1–W5, W7, L4 in a real browser: Debian's headless Chromium (playwright-core) with a CDP virtual
// authenticator (ctap2, internal, resident keys, user verification) plays the person's device; the
// relying party is openid-client and checks amr and acr. Register on the security page, sign in with
// password + passkey, sign in with the passkey alone, step up to phr, remove it.
//   node scripts/node24.cjs node_modules/mocha/bin/mocha.js test/mfa/passkey-browser.test.ts
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { ACR_MFA, ACR_PHR } from '../../src/oidc/acr.ts';
import { giveTotp } from '../support/account.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/axe.ts';
import { appCode } from '../support/mfa.ts';
import { type Authorization, RelyingParty } from '../support/rp.ts';
import { RP_REDIRECT, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const sorted = (v: unknown) => [...((v as string[]) ?? [])].sort();

for (const mode of STORE_MODES) {
  describe(`Passkeys in headless Chromium with a virtual authenticator (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    let rp: RelyingParty;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let callback: string | undefined;
    let email: string;
    let userId: string;
    let secret: string;
    let cdp: CDPSession;
    let callbackSite: Server;
    let authenticatorId: string;

    before(async () => {
      server = await startTestServer(mode);
      rp = await RelyingParty.discover(server.issuer);
      email = `chromium-${mode}@example.test`;
      userId = await server.createUser(email, PASSWORD, { plan: 'paid' });
      secret = await giveTotp(server, userId);
      callbackSite = createServer((_req, res) => res.end('signed in'));
      await new Promise<void>((resolve) => callbackSite.listen(0, '127.0.0.1', resolve));
      const { port } = callbackSite.address() as AddressInfo;
      const args = [...CHROMIUM_ARGS, `--host-resolver-rules=MAP rp.test 127.0.0.1:${port}`];
      browser = await chromium.launch({ executablePath: CHROMIUM, args, headless: true });
      context = await browser.newContext();
      page = await context.newPage();
      // The relying party's callback: rp.test resolves to a local page that says "signed in"; its
      // URL is taken from the request, and openid-client redeems the code.
      page.on('request', (request) => {
        if (request.url().startsWith(RP_REDIRECT)) callback = request.url();
      });

      cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      }));
    });
    after(async () => {
      await browser?.close();
      callbackSite?.close();
      await server?.stop();
    });

    /**
     * The virtual authenticator answers at once while presence is simulated — also the sign-in
     * page's autofill request (conditional UI), which a person would have to pick. Off while a
     * test signs in another way.
     */
    const presence = (enabled: boolean) =>
      cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
    const url = (path: string) => new URL(path, server.issuer).href;
    async function signInWithPasswordAndApp(step: number) {
      await page.locator('#email').fill(email);
      await page.locator('#password').fill(PASSWORD);
      await page.locator('form[action$="/login"] button[type="submit"]').first().click();
      await page.waitForLoadState();
      if (await page.getByRole('link', { name: /authenticator app/i }).count()) {
        await page.getByRole('link', { name: /authenticator app/i }).click();
      }
      await page.locator('#code').fill(await appCode(secret, step));
      await page.locator('form[action$="/mfa/verify"] button[type="submit"]').click();
    }
    async function authorize(params: Record<string, string> = {}): Promise<Authorization> {
      callback = undefined;
      const auth = await rp.authorize(params);
      await page.goto(auth.url.href);
      return auth;
    }
    async function claimsAfter(auth: Authorization) {
      await page.waitForURL(`${RP_REDIRECT}**`);
      assert.ok(callback, 'reached the callback');
      return (await rp.callback(callback, auth)).claims()!;
    }

    it('W1: a passkey is registered on the security page, after the password (T1)', async () => {
      await page.goto(url('/account/login'));
      await signInWithPasswordAndApp(0);
      await page.waitForURL(/\/account\/security/);
      await page.goto(url('/account/security/passkey'));
      assert.equal(
        await page.locator('[data-passkey-none]').isVisible(),
        false,
        'W6: the no-script note is hidden',
      );
      await page.getByRole('link', { name: 'Add a passkey' }).click();
      await page.locator('#password').fill(PASSWORD);
      await page.locator('form[action*="/reauth"] button[type="submit"]').click();
      await page.waitForURL(/\/account\/security\/passkey$/);
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.waitForURL(/done=added/);
      const [stored] = await server.services.sor.listPasskeys(userId);
      assert.ok(stored, 'stored');
      assert.equal(stored.name, 'Passkey 1');
      assert.equal(stored.deviceType, 'singleDevice');
      assert.match((await page.locator('main').textContent()) ?? '', /Passkey 1/);
    });

    it('W2, L4: password + passkey — the passkey is asked for first; amr pwd+hwk+user+mfa, acr phr', async () => {
      await context.clearCookies();
      await presence(false);
      const auth = await authorize();
      await page.locator('#email').fill(email);
      await page.locator('#password').fill(PASSWORD);
      await page.locator('form[action$="/login"] button[type="submit"]').first().click();
      await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
      await presence(true);
      await page.getByRole('button', { name: 'Use your passkey' }).click();
      const claims = await claimsAfter(auth);
      assert.deepEqual(sorted(claims.amr), ['hwk', 'mfa', 'pwd', 'user']);
      assert.equal(claims.acr, ACR_PHR);
    });

    it("W3: a passkey alone, offered in the e-mail field's autofill (conditional UI, discoverable credential) — amr hwk+user+mfa, acr phr", async () => {
      await context.clearCookies();
      await presence(true);
      const auth = await authorize();
      const claims = await claimsAfter(auth);
      assert.deepEqual(sorted(claims.amr), ['hwk', 'mfa', 'user']);
      assert.equal(claims.acr, ACR_PHR);
    });

    it('W5: after password + app (acr mfa), acr_values=phr steps up with the passkey', async () => {
      await context.clearCookies();
      await presence(false);
      let auth = await authorize();
      await signInWithPasswordAndApp(1);
      assert.equal((await claimsAfter(auth)).acr, ACR_MFA);
      auth = await authorize({ acr_values: ACR_PHR });
      await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
      await presence(true);
      assert.equal(await page.getByRole('link', { name: /authenticator app/i }).count(), 0, 'nothing weaker');
      await page.getByRole('button', { name: 'Use your passkey' }).click();
      const claims = await claimsAfter(auth);
      assert.equal(claims.acr, ACR_PHR);
      assert.ok(sorted(claims.amr).includes('hwk'));
    });

    it('W4, M2: on the security page a wrong app code removes nothing; the passkey as proof removes it', async () => {
      await page.goto(url('/account/security/passkey'));
      // A typed code is the other proof: with script on, it is posted as typed (no ceremony).
      await page.locator('input[name="code"]').fill('000000');
      await page.getByRole('button', { name: 'Remove this passkey' }).click();
      await page.waitForLoadState();
      assert.match((await page.locator('[role="alert"]').first().textContent()) ?? '', /incorrect/i);
      assert.equal(
        (await server.services.sor.listPasskeys(userId)).length,
        1,
        'a wrong code removes nothing',
      );
      await page.goto(url('/account/security/passkey'));
      await page.getByRole('button', { name: 'Remove this passkey' }).click();
      await page.waitForURL(/done=removed/);
      assert.deepEqual(await server.services.sor.listPasskeys(userId), []);
      const actions = (await server.services.sor.listAudit({ userId })).map((e) => e.action);
      assert.ok(actions.includes('factor.enrolled') && actions.includes('factor.disabled'));
    });
  });
}
