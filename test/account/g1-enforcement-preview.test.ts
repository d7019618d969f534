// G1, G7: the enforcement preview (organization page, its CSV, the admin API) is a dry run of the
// decision sign-in makes: after the owner switches the requirement on (through the G7 confirmation
// step), every member of a seeded portfolio is asked at sign-in exactly what their row said.
import assert from 'node:assert/strict';
import { createDecisionPoint } from '../../src/core/decision.ts';
import { previewEnforcement } from '../../src/core/preview.ts';
import { defaultMfaPolicy } from '../../src/mfa/policy.ts';
import type { MembershipWithOrg, Organization } from '../../src/store/records.ts';
import { adminCaller, adminClient, adminToken } from '../admin/support.ts';
import { accountSignIn, giveTotp } from '../support/account.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { isEnrollment, isMfaChallenge } from '../support/mfa.ts';
import { isCallback, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

/** What a person meets right after their password, as the preview names it. */
function observed(page: Page): string {
  if (isEnrollment(page)) return 'must_enroll';
  if (isMfaChallenge(page)) return 'enrolled';
  if (isCallback(new URL(page.url))) return 'not_required';
  return `unexpected page ${page.status} ${textOf(page.text).slice(0, 120)}`;
}

/** What the row promises the next sign-in does (another organization's mandate enrolls or asks). */
const promised = (row: { outcome: string }, hasMethod: boolean) =>
  row.outcome === 'required_elsewhere' ? (hasMethod ? 'enrolled' : 'must_enroll') : row.outcome;

function csvRows(csv: string) {
  const [head, ...lines] = csv.trim().split('\r\n');
  const keys = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [keys[i], v])));
}

for (const mode of STORE_MODES) {
  describe(`G1, G7: enforcement preview (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    before(async () => {
      server = await startTestServer(mode, { clients: [adminClient('rollout-admin', 'admin:read')] });
    });
    after(() => server?.stop());

    it("G1, G7: the preview's rows (page CSV and admin API) equal what sign-in does after the switch, for every member of a portfolio", async () => {
      const { sor } = server.services;
      const main = await sor.createOrg({ name: `Main ${mode}`, plan: 'free' });
      const paid = await sor.createOrg({ name: `Paid ${mode}`, plan: 'paid' });
      const other = await sor.createOrg({ name: `Other ${mode}`, plan: 'free', requireMfaForAllUsers: true });
      const people = {
        owner: { roles: [[main, 'owner']], app: false },
        withApp: { roles: [[main, 'member']], app: true },
        paidToo: {
          roles: [
            [main, 'member'],
            [paid, 'member'],
          ],
          app: false,
        },
        paidWithApp: {
          roles: [
            [main, 'admin'],
            [paid, 'member'],
          ],
          app: true,
        },
        otherSwitch: {
          roles: [
            [main, 'member'],
            [other, 'member'],
          ],
          app: false,
        },
        plain: { roles: [[main, 'member']], app: false },
      } as const;
      const ids: Record<string, string> = {};
      for (const [name, p] of Object.entries(people)) {
        const email = `${name}-${mode}@example.test`.toLowerCase();
        ids[name] = await server.createUser(email, PASSWORD);
        for (const [org, role] of p.roles) await sor.setMembership(ids[name], org.id, role);
        if (p.app) await giveTotp(server, ids[name]);
      }

      const owner = new Browser();
      await accountSignIn(owner, server, `owner-${mode}@example.test`, PASSWORD);
      const base = new URL(`/account/organizations/${main.id}`, server.issuer);
      const csv = await owner.request(new URL(`${base}/enforcement-preview.csv?requireMfa=true`));
      assert.equal(csv.status, 200);
      const pageRows = csvRows(csv.text);
      const token = await adminToken(server, 'rollout-admin', 'admin:read');
      const res = await adminCaller(server)(
        token,
        'GET',
        `/organizations/${main.id}/enforcement-preview?requireMfa=true`,
      );
      assert.equal(res.status, 200);
      const apiRows = (
        (await res.json()) as { items: Array<{ email: string; outcome: string; reason: string }> }
      ).items;
      assert.deepEqual(
        apiRows.map((r) => [r.email, r.outcome, r.reason]),
        pageRows.map((r) => [r.email, r.outcome, r.reason]),
        'the page and the admin API show the same dry run',
      );
      assert.deepEqual(Object.fromEntries(apiRows.map((r) => [r.email.split('-')[0], r.outcome])), {
        owner: 'must_enroll',
        withapp: 'enrolled',
        paidtoo: 'required_elsewhere',
        paidwithapp: 'required_elsewhere',
        otherswitch: 'required_elsewhere',
        plain: 'must_enroll',
      });

      // G7: switching on shows a confirmation step saying it applies to the owner, who is not ready.
      const orgPage = await owner.request(base);
      const confirm = await owner.submit(orgPage, { value: 'on' }, /require-mfa\/confirm$/);
      assert.match(textOf(confirm.text), /applies to you too.*You are not ready yet/);
      assert.equal((await sor.findOrgById(main.id))?.requireMfaForAllUsers, false, 'not switched yet');
      await owner.submit(confirm, {}, /require-mfa$/);
      assert.equal((await sor.findOrgById(main.id))?.requireMfaForAllUsers, true);

      const rp = await RelyingParty.discover(server.issuer);
      for (const [name, p] of Object.entries(people)) {
        const row = apiRows.find((r) => r.email.startsWith(`${name.toLowerCase()}-`))!;
        const b = new Browser();
        const page = await submitPassword(b, await open(b, await rp.authorize()), row.email, PASSWORD);
        assert.equal(observed(page), promised(row, p.app), `${name}: the preview said ${row.outcome}`);
      }
    });
  });
}

describe('G1: the preview of an SSO-enforcing organization is the decision of an SSO sign-in (P2)', () => {
  it('G1: a member on the SSO domain is exempt (with the policy reason), one off the domain must enroll', () => {
    const org: Organization = {
      id: 'org-sso',
      name: 'Sso',
      plan: 'free',
      requireMfaForAllUsers: false,
      ssoEnforced: true,
      sso: { domains: ['corp.example'] } as Organization['sso'],
      createdAt: new Date(),
    };
    const decisions = createDecisionPoint({
      policy: defaultMfaPolicy,
      load: async () => undefined,
      ssoMark: async () => ({}),
    });
    const member = (email: string) => {
      const memberships: MembershipWithOrg[] = [
        { userId: email, orgId: org.id, role: 'member', createdAt: new Date(), org },
      ];
      return { role: 'member' as const, state: { user: { id: email, email }, memberships, enrolled: [] } };
    };
    const rows = previewEnforcement(decisions, org, { plan: 'paid' }, [
      member('a@corp.example'),
      member('b@elsewhere.example'),
    ]);
    assert.deepEqual(
      rows.map((r) => [r.outcome, r.reason]),
      [
        ['sso_exempt', 'sso_exempt'],
        ['must_enroll', 'org_paid_plan'],
      ],
    );
    // The same as the decision point's own answer for an SSO sign-in of that member.
    const signIn = decisions.decide(
      {
        ...member('a@corp.example').state,
        memberships: [{ ...member('a@corp.example').state.memberships[0], org: { ...org, plan: 'paid' } }],
      },
      { amr: ['fed'], ssoOrgId: org.id },
    );
    assert.equal(signIn.requirement, 'exempt');
  });
});
