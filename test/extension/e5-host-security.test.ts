// E2, E3, E5 with M1–M3, T1, G5: Deadbolt's security settings pages on the example host
// (examples/existing-provider, installed from the packed tarball), and G4 by the host's organizations:
// signed in through the host's
// own login (an authorization request Deadbolt's /account/login starts), the password re-entered
// through the host's accounts port, and nothing of Deadbolt's own directory on the page.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ACR_MFA } from '../../src/oidc/acr.ts';
import { readOutbox } from '../../src/sms/index.ts';
import { csrfOf } from '../support/account.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import {
  ALICE,
  BOB,
  type HostModule,
  hostPassword,
  installExample,
  startHost,
  type UsersModule,
} from '../support/example-host.ts';
import {
  appCode,
  backupCodesFromPage,
  finishFromCodesPage,
  isEnrollment,
  isMfaChallenge,
  secretFromPage,
} from '../support/mfa.ts';
import { authOf, endBrowserSession, hasRememberBox, rememberCookie } from '../support/remember.ts';
import { isCallback, open, RelyingParty } from '../support/rp.ts';
import { jpMobile } from '../support/sms.ts';

/** The app's code of the earliest step not used yet that the ±1 window accepts (waits if none). */
async function unusedCode(secret: string, used: { step: number }): Promise<string> {
  for (;;) {
    const now = Math.floor(Date.now() / 30_000);
    const step = Math.max(now, used.step + 1);
    if (step <= now + 1) {
      used.step = step;
      return appCode(secret, step - now);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

describe("E5: Deadbolt's security settings pages on the example host", function () {
  this.timeout(240_000);
  let dir: string;
  let users: UsersModule;
  let started: Awaited<ReturnType<typeof startHost>>;
  const outboxFile = join(tmpdir(), `deadbolt-host-sms-${randomBytes(6).toString('hex')}.jsonl`);
  const url = (path: string) => new URL(path, started.issuer);
  const lastCode = async (phone: string) => {
    const body = (await readOutbox(outboxFile)).filter((e) => e.to === phone).at(-1)?.body ?? '';
    return /\b(\d{6})\b/.exec(body)?.[1] ?? 'none';
  };

  before(async () => {
    dir = await installExample();
    const host = (await import(pathToFileURL(join(dir, 'host.js')).href)) as HostModule;
    users = (await import(pathToFileURL(join(dir, 'users.js')).href)) as UsersModule;
    started = await startHost(host, {
      stores: { dataDir: ':memory:' },
      settings: { SMS_PROVIDER: 'outbox', SMS_OUTBOX_FILE: outboxFile },
    });
  });
  after(async () => {
    await new Promise((resolve) => started?.server.close(resolve));
    await started?.running.close();
    await rm(outboxFile, { force: true });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("E3: an unsigned visitor of /account/security is sent to the host's own sign-in", async () => {
    const browser = new Browser();
    const first = await browser.request(url('/account/security'));
    assert.equal(first.status, 303);
    assert.match(first.headers.get('location') ?? '', /^\/account\/login\?return_to=%2Faccount%2Fsecurity$/);
    const login = await browser.follow(url('/account/security'));
    assert.match(login.text, /Sign in to Example/, "the host's login page");
    const home = await browser.request(url('/'));
    assert.match(home.text, /<a href="\/account\/security">/, 'the host links to the page');
  });

  it('E2, M1–M3, T1: signed in with password and app, Alice adds SMS (password through the port), removes the app with proof, and cannot remove her last method', async () => {
    const browser = new Browser();
    // The host's password, then Deadbolt's enrollment (her company pays), then the security page.
    const enroll = await hostPassword(browser, await browser.follow(url('/account/security')), ALICE);
    assert.ok(isEnrollment(enroll), `the enrollment: ${textOf(enroll.text).slice(0, 300)}`);
    const secret = secretFromPage(enroll);
    const codesPage = await browser.submit(
      enroll,
      { code: await appCode(secret) },
      /\/enroll\/totp\/confirm$/,
    );
    const codes = backupCodesFromPage(codesPage);
    let settings = await finishFromCodesPage(browser, codesPage);
    assert.equal(new URL(settings.url).pathname, '/account/security', textOf(settings.text).slice(0, 300));
    const text = textOf(settings.text);
    assert.ok(text.includes(ALICE.email) && text.includes('used at sign-in'), text.slice(0, 400));
    // Nothing that needs Deadbolt's own directory: the host owns passwords, e-mail and organizations.
    assert.doesNotMatch(settings.text, /\/account\/security\/password|verify-email|\/account\/organizations/);
    assert.ok(!text.includes('Apps with access'));

    // S1, T1: adding SMS starts with the password, checked by the host's accounts port.
    let step = await browser.request(url('/account/security/sms'));
    if (/confirm-method/.test(step.text))
      step = await browser.submit(step, { code: await appCode(secret, 1) }, /confirm-method\?/);
    assert.match(textOf(step.text), /Confirm your password/);
    const wrong = await browser.submit(step, { password: 'not her password' }, /reauth\?next=sms$/);
    assert.equal(wrong.status, 401);
    const phonePage = await browser.submit(wrong, { password: ALICE.password }, /reauth\?next=sms$/);
    const phone = jpMobile(8101);
    const codePage = await browser.submit(
      phonePage,
      { country: 'JP', phone: phone.national },
      /\/sms\/send$/,
    );
    const added = await browser.submit(codePage, { code: await lastCode(phone.e164) }, /\/sms\/confirm$/);
    assert.ok(textOf(added.text).includes('The method was added'), textOf(added.text).slice(0, 300));

    // M2: removing the app needs proof; a wrong code is refused, an unused backup code works.
    settings = await browser.request(url('/account/security'));
    const refused = await browser.request(url('/account/security/totp/disable'), {
      form: { csrf: csrfOf(settings), code: '000000' },
    });
    assert.ok(refused.status >= 400 && refused.status < 500, `${refused.status}`);
    const removed = await browser.submit(settings, { code: codes[0] }, /\/totp\/disable$/);
    assert.ok(textOf(removed.text).includes('The method was disabled'), textOf(removed.text).slice(0, 300));

    // M3, X7: SMS is now her only method and MFA is mandatory for her: it stays, with the way forward.
    settings = await browser.request(url('/account/security'));
    assert.doesNotMatch(settings.text, /href="\/account\/security\/sms\/disable"/);
    assert.match(settings.text, /<a href="\/account\/security\/totp">Add another method first<\/a>/);
    const kept: Page = await browser.request(url('/account/security/sms/disable'));
    assert.equal(kept.status, 409);
  });

  it("G4, E2: the host's organization allows remembered browsers through the port — no box until it does, then the next sign-in on that browser skips the second step with a truthful amr", async () => {
    const rp = await RelyingParty.discover(started.issuer);
    users.setPaying('u-bob', true); // MFA mandatory for Bob: his company pays now
    try {
      const enrolling = new Browser();
      const auth = await rp.authorize({ scope: 'openid' });
      const enroll = await hostPassword(enrolling, await open(enrolling, auth), BOB);
      assert.ok(isEnrollment(enroll), textOf(enroll.text).slice(0, 300));
      const secret = secretFromPage(enroll);
      const used = { step: -1 };
      const codes = await enrolling.submit(
        enroll,
        { code: await unusedCode(secret, used) },
        /\/enroll\/totp\/confirm$/,
      );
      await finishFromCodesPage(enrolling, codes);

      /** Bob's password at the host's page, then the app's code (the box ticked if offered). */
      const challenged = async (browser: Browser) => {
        const auth = await rp.authorize({ scope: 'openid' });
        const page = await hostPassword(browser, await open(browser, auth), BOB);
        assert.ok(isMfaChallenge(page), textOf(page.text).slice(0, 300));
        const fields = { code: await unusedCode(secret, used), remember: 'yes' }; // forged when not offered
        const done = await browser.submit(page, fields, /\/mfa\/verify$/, isCallback);
        assert.equal(done.status, 0, `${done.url} ${textOf(done.text).slice(0, 300)}`);
        return { offered: hasRememberBox(page), tokens: await rp.callback(done.url, auth) };
      };

      const before = new Browser();
      assert.equal((await challenged(before)).offered, false, 'his company allows none yet');
      assert.equal(rememberCookie(before), undefined, 'nothing remembered');

      users.setRememberDays('tiny', 7);
      const browser = new Browser();
      const first = await challenged(browser);
      assert.equal(first.offered, true, 'the box once the company allows it');
      assert.ok(authOf(first.tokens).amr.includes('otp'));
      endBrowserSession(browser);
      const auth2 = await rp.authorize({ scope: 'openid' });
      const next = await hostPassword(browser, await open(browser, auth2), BOB);
      assert.equal(next.status, 0, `no second step: ${textOf(next.text).slice(0, 200)}`);
      const remembered = authOf(await rp.callback(next.url, auth2));
      assert.deepEqual(remembered.amr, ['pwd'], 'no otp, no mfa: the device stood in for them');
      assert.notEqual(remembered.acr, ACR_MFA);
      // The security page lists this browser, to forget it.
      const settings = await browser.follow(url('/account/security'));
      assert.match(settings.text, /action="\/account\/security\/devices\/forget"/);
    } finally {
      users.setPaying('u-bob', false);
      users.setRememberDays('tiny', 0);
    }
  });
});
