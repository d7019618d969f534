// G2: a grace period at sign-in, with the app's controllable clock. Before the enforcement date a
// member without a method sees the reminder with the deadline; "Remind me later" yields a code
// with amr ["pwd"] and "Set up now" enrolls (P5). After the date P5 applies unchanged, and a
// refresh token from the grace period is refused at the token endpoint.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { Browser, textOf } from '../support/browser.ts';
import { isEnrollment } from '../support/mfa.ts';
import { isCallback, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const DAY = 86_400_000;

for (const mode of STORE_MODES) {
  describe(`G2: grace period at sign-in (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    let now = Date.now();
    before(async () => {
      server = await startTestServer(mode, { app: { clock: () => now } });
    });
    after(() => server?.stop());

    it('G2: before the date the reminder shows the deadline and "later" yields amr pwd; after it P5 enrolls and the refresh is refused', async () => {
      const { sor } = server.services;
      now = Date.now();
      const deadline = new Date(Date.UTC(2031, 4, 6, 9, 0));
      now = deadline.getTime() - 3 * DAY;
      const org = await sor.createOrg({ name: `Grace ${mode}`, plan: 'free', requireMfaForAllUsers: true });
      await sor.updateOrg(org.id, { mfaEnforcedFrom: deadline });
      const email = `grace-${mode}@example.test`;
      const userId = await server.createUser(email, PASSWORD);
      await sor.setMembership(userId, org.id, 'member');
      const rp = await RelyingParty.discover(server.issuer);

      const b = new Browser();
      const auth = await rp.authorize();
      const reminder = await submitPassword(b, await open(b, auth), email, PASSWORD);
      assert.equal(reminder.status, 200);
      assert.match(
        textOf(reminder.text),
        /Grace .* requires two-step verification from 6 May 2031 at 09:00 \(UTC\)/,
      );
      assert.match(reminder.text, /Set up now/);
      const done = await b.submit(reminder, {}, /\/mfa\/grace\/later$/, isCallback);
      assert.ok(
        isCallback(new URL(done.url)),
        `the callback, got ${done.status} ${textOf(done.text).slice(0, 200)}`,
      );
      const tokens = await rp.callback(done.url, auth);
      assert.deepEqual(tokens.claims()?.amr, ['pwd'], 'no second factor is claimed');

      // Japanese reminder, and "Set up now" leads to the enrollment of P5.
      const ja = new Browser();
      ja.acceptLanguage = 'ja';
      const jaReminder = await submitPassword(ja, await open(ja, await rp.authorize()), email, PASSWORD);
      assert.match(textOf(jaReminder.text), /2031年5月6日.*から多要素認証が必須になります/);
      const setup = await ja.submit(jaReminder, {}, /\/mfa\/grace\/setup$/, isCallback);
      assert.ok(isEnrollment(setup), `enrollment, got ${textOf(setup.text).slice(0, 200)}`);

      // After the date: no reminder, P5 enrollment, and the grace-period refresh token is refused.
      now = deadline.getTime() + 1000;
      const after = new Browser();
      const forced = await submitPassword(after, await open(after, await rp.authorize()), email, PASSWORD);
      assert.ok(
        isEnrollment(forced),
        `P5 enrollment after the date, got ${textOf(forced.text).slice(0, 200)}`,
      );
      assert.doesNotMatch(forced.text, /Remind me later/);
      await assert.rejects(client.refreshTokenGrant(rp.config, tokens.refresh_token!), {
        error: 'invalid_grant',
      });
    });
  });
}
