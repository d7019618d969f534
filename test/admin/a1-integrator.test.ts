// A1 end to end, as an integrator would automate it without a shell (issue 14): openid-client is
// both the admin client (client-credentials grant) and the relying party. Create an organization,
// a user with a password and the membership; flip the plan to paid → the next sign-in enrolls
// (P5); reset the member's MFA with a reason → the refresh token dies (V3), the audit log shows
// the reset with the API client as actor (R1).
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { Browser } from '../support/browser.ts';
import { appCode, finishFromCodesPage, isEnrollment, secretFromPage } from '../support/mfa.ts';
import { open, RelyingParty, signInWithPassword, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';
import { type AdminCall, ALL_ADMIN_SCOPES, adminCaller, adminClient, adminToken } from './support.ts';

const PASSWORD = 'a long and correct password for the integrator';

for (const mode of STORE_MODES) {
  describe(`A1: the integrator flow through the admin API (${mode})`, function () {
    this.timeout(90_000);
    let server: TestServer;
    let call: AdminCall;
    let rp: RelyingParty;
    before(async () => {
      server = await startTestServer(mode, { clients: [adminClient('integrator', ALL_ADMIN_SCOPES)] });
      call = adminCaller(server);
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server.stop());

    async function json<T>(res: Promise<Response>, status: number): Promise<T> {
      const r = await res;
      assert.equal(r.status, status, `${r.url}: ${await r.clone().text()}`);
      return (await r.json()) as T;
    }

    it('A1, P5, V3, R1: create org + user + membership, go paid → enrollment; reset via the API → refresh token dies, audited with the client as actor', async () => {
      const token = await adminToken(server, 'integrator', ALL_ADMIN_SCOPES);
      const email = `member-${mode}@customer.test`;
      const org = await json<{ id: string; plan: string }>(
        call(token, 'POST', '/organizations', { name: 'Customer Inc' }),
        201,
      );
      assert.equal(org.plan, 'free');
      const user = await json<{ id: string }>(
        call(token, 'POST', '/users', { email, password: PASSWORD }),
        201,
      );
      await json(call(token, 'PUT', `/organizations/${org.id}/members/${user.id}`, { role: 'member' }), 200);

      // Free plan: a password is enough.
      const free = await signInWithPassword(new Browser(), rp, email, PASSWORD);
      assert.deepEqual(free.tokens.claims()?.amr, ['pwd']);

      // The customer pays: the next sign-in must enroll (P5).
      const paid = await json<{ plan: string }>(
        call(token, 'PATCH', `/organizations/${org.id}`, { plan: 'paid' }),
        200,
      );
      assert.equal(paid.plan, 'paid');
      const browser = new Browser();
      const auth = await rp.authorize();
      const page = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
      assert.ok(isEnrollment(page), 'P5: forced to enroll after the plan went paid');
      const codesPage = await browser.submit(page, { code: await appCode(secretFromPage(page)) }, /confirm$/);
      const done = await finishFromCodesPage(browser, codesPage);
      const tokens = await rp.callback(done.url, auth);
      assert.ok(tokens.refresh_token, 'offline_access: a refresh token');
      assert.ok((tokens.claims()?.amr as string[] | undefined)?.includes('otp'));
      const factors = await json<{ items: { type: string }[] }>(
        call(token, 'GET', `/users/${user.id}/factors`),
        200,
      );
      assert.ok(factors.items.some((f) => f.type === 'totp'));

      // Support resets the member's MFA through the API.
      const reason = 'lost phone, identity checked on a video call';
      const reset = await json<{ removedFactors: number }>(
        call(token, 'POST', `/users/${user.id}/factors/reset`, { reason }),
        200,
      );
      assert.ok(reset.removedFactors >= 1);
      await assert.rejects(client.refreshTokenGrant(rp.config, tokens.refresh_token!), {
        error: 'invalid_grant',
      });
      const again = new Browser();
      const next = await submitPassword(again, await open(again, await rp.authorize()), email, PASSWORD);
      assert.ok(isEnrollment(next), 'after the reset the member enrolls again (R1)');

      const events = await json<{
        items: { action: string; actorLabel: string; details: { reason?: string } }[];
      }>(call(token, 'GET', `/audit-events?userId=${user.id}&action=mfa.reset`), 200);
      assert.equal(events.items.length, 1);
      assert.equal(events.items[0].actorLabel, 'client:integrator');
      assert.equal(events.items[0].details.reason, reason);
    });
  });
}
