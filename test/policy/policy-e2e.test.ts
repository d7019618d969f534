// P1, P3, P5 end to end through an openid-client relying party: the policy decides at sign-in and
// again at token issuance, and a host's replacement hook is honoured at both.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { defaultMfaPolicy, type MfaPolicy } from '../../src/mfa/policy.ts';
import { Browser } from '../support/browser.ts';
import { isEnrollment } from '../support/mfa.ts';
import { open, RelyingParty, signInWithPassword, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

for (const mode of STORE_MODES) {
  describe(`MFA policy end to end (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let rp: RelyingParty;
    let strictHost = false;
    // A host's hook (P3): MFA for everyone signing in to first-party-app while strictHost is on.
    const hostPolicy: MfaPolicy = (context) => {
      const decision = defaultMfaPolicy(context);
      if (
        strictHost &&
        context.client?.clientId === 'first-party-app' &&
        decision.requirement !== 'required'
      ) {
        return {
          ...decision,
          requirement: 'required',
          reason: 'step_up',
          mustEnroll: decision.preferred === null,
          allowedFactors: decision.allowedFactors,
        };
      }
      return decision;
    };

    before(async () => {
      server = await startTestServer(mode, { app: { mfaPolicy: hostPolicy } });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    async function afterPassword(email: string) {
      const browser = new Browser();
      return submitPassword(browser, await open(browser, await rp.authorize()), email, PASSWORD);
    }

    it('P1: a free organization whose owner switched on require-MFA forces its members to enroll', async () => {
      await server.createUser('switch@example.test', PASSWORD, { plan: 'free', requireMfa: true });
      assert.ok(isEnrollment(await afterPassword('switch@example.test')));
    });

    it('P1: portfolio — a member of a free and a paid organization must use MFA', async () => {
      const { sor } = server.services;
      const userId = await server.createUser('portfolio@example.test', PASSWORD, { plan: 'free' });
      const paid = await sor.createOrg({ name: 'Paid one', plan: 'paid' });
      await sor.setMembership(userId, paid.id, 'member');
      assert.ok(isEnrollment(await afterPassword('portfolio@example.test')));
    });

    it('P1: a member of free organizations only signs in with a password', async () => {
      await server.createUser('free@example.test', PASSWORD, { plan: 'free' });
      const { tokens } = await signInWithPassword(new Browser(), rp, 'free@example.test', PASSWORD);
      assert.deepEqual(tokens.claims()?.amr, ['pwd']);
    });

    it('P3: when the organization goes paid, a refresh for the password-only session is refused and prompt=none needs the second factor', async () => {
      const { sor } = server.services;
      await server.createUser('upgrade@example.test', PASSWORD, { plan: 'free' });
      const browser = new Browser();
      const { tokens } = await signInWithPassword(browser, rp, 'upgrade@example.test', PASSWORD);
      const ok = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
      const [membership] = await sor.listMembershipsOfUser(tokens.claims()!.sub);
      await sor.updateOrg(membership.orgId, { plan: 'paid' });
      await assert.rejects(client.refreshTokenGrant(rp.config, ok.refresh_token!), {
        error: 'invalid_grant',
      });
      const silent = await open(browser, await rp.authorize({ prompt: 'none' }));
      assert.equal(new URL(silent.url).searchParams.get('error'), 'interaction_required');
    });

    it("P3: a host's replacement hook is honoured at sign-in and at token issuance", async () => {
      await server.createUser('host@example.test', PASSWORD, { plan: 'free' });
      strictHost = false;
      const { tokens } = await signInWithPassword(new Browser(), rp, 'host@example.test', PASSWORD);
      assert.deepEqual(tokens.claims()?.amr, ['pwd']);
      strictHost = true;
      try {
        await assert.rejects(client.refreshTokenGrant(rp.config, tokens.refresh_token!), {
          error: 'invalid_grant',
        });
        assert.ok(
          isEnrollment(await afterPassword('host@example.test')),
          'the hook sends the person to enroll',
        );
      } finally {
        strictHost = false;
      }
    });
  });
}
