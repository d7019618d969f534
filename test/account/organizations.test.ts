// M5, R1, R3: the organization page — the owner's require-MFA switch, resetting a member's MFA
// (the authorization matrix), and the audit log.
import assert from 'node:assert/strict';
import type { Role } from '../../src/store/records.ts';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { isEnrollment } from '../support/mfa.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

for (const mode of STORE_MODES) {
  describe(`Organization page (${mode} stores)`, function () {
    this.timeout(90_000);
    let server: TestServer;
    const url = (path: string) => new URL(path, server.issuer);
    const people: Record<string, string> = {};
    let orgA: string;
    let orgB: string;

    async function person(name: string, org: string, role: Role) {
      const id = await server.createUser(`${name}@example.test`, PASSWORD);
      await server.services.sor.setMembership(id, org, role);
      people[name] = id;
    }

    before(async () => {
      server = await startTestServer(mode);
      const { sor } = server.services;
      orgA = (await sor.createOrg({ name: 'Acme', plan: 'free' })).id;
      orgB = (await sor.createOrg({ name: 'Bravo', plan: 'free' })).id;
      await person('ownerA', orgA, 'owner');
      await person('adminA', orgA, 'admin');
      await person('memberA', orgA, 'member');
      await person('owner2A', orgA, 'owner');
      await person('admin2A', orgA, 'admin');
      await person('member2A', orgA, 'member');
      await person('ownerB', orgB, 'owner');
      await person('adminB', orgB, 'admin');
      await person('memberB', orgB, 'member');
    });
    after(() => server?.stop());

    describe('R1: who may reset whose MFA', () => {
      const actors = ['ownerA', 'adminA', 'memberA'] as const;
      const targets = ['owner2A', 'admin2A', 'member2A', 'ownerB', 'adminB', 'memberB', 'self'] as const;
      const allowed = new Set(['ownerA>owner2A', 'ownerA>admin2A', 'ownerA>member2A', 'adminA>member2A']);
      const browsers: Record<string, Browser> = {};

      before(async () => {
        for (const a of actors) {
          browsers[a] = new Browser();
          await accountSignIn(browsers[a], server, `${a}@example.test`, PASSWORD);
        }
      });

      for (const actor of actors)
        for (const target of targets) {
          const key = `${actor}>${target}`;
          const ok = allowed.has(key);
          it(`${actor} resetting ${target} → ${ok ? 'done' : '403, nothing changes'}`, async () => {
            const { sor } = server.services;
            const targetId = target === 'self' ? people[actor] : people[target];
            await sor.deleteFactorsOfUser(targetId);
            // (An actor with a method would need an MFA session; the self case checks the audit log instead.)
            if (target !== 'self') await giveTotp(server, targetId);
            const browser = browsers[actor];
            const page = await browser.request(url(`/account/organizations/${orgA}`));
            assert.equal(page.status, 200);
            const orgOfTarget = target.endsWith('B') ? orgB : orgA;
            const res = await browser.request(
              url(`/account/organizations/${orgOfTarget}/members/${targetId}/reset-mfa`),
              {
                form: { csrf: csrfOf(await browser.request(url('/account/security'))), reason: 'lost phone' },
              },
            );
            const factors = await sor.listFactors(targetId);
            if (ok) {
              assert.equal(res.status, 200);
              assert.ok(textOf(res.text).includes('was reset'));
              assert.equal(factors.length, 0);
              const events = await sor.listAudit({ userId: targetId });
              const event = events.find((e) => e.action === 'mfa.reset');
              assert.ok(event, 'R3: an audit event');
              assert.equal(event.actorUserId, people[actor]);
              assert.equal(event.details.reason, 'lost phone');
            } else {
              assert.equal(res.status, 403);
              assert.equal(factors.length, target === 'self' ? 0 : 1, 'nothing changed');
              const events = await sor.listAudit({ userId: targetId });
              assert.ok(!events.some((e) => e.action === 'mfa.reset' && e.actorUserId === people[actor]));
            }
          });
        }
    });

    it('M5, R1, R3: the owner switches on require-MFA (seeing who has no method), a member is forced to enroll, and the log shows it', async () => {
      const { sor } = server.services;
      const org = (await sor.createOrg({ name: 'Charlie', plan: 'free' })).id;
      const owner = await server.createUser('ownerC@example.test', PASSWORD);
      const member = await server.createUser('memberC@example.test', PASSWORD);
      await sor.setMembership(owner, org, 'owner');
      await sor.setMembership(member, org, 'member');
      const browser = new Browser();
      await accountSignIn(browser, server, 'ownerC@example.test', PASSWORD);
      const page = await browser.request(url(`/account/organizations/${org}`));
      assert.ok(textOf(page.text).includes('2 members have not set up MFA yet'));
      const switched = await browser.submit(page, { value: 'on' }, /require-mfa$/);
      assert.ok(textOf(switched.text).includes('MFA is now required for all users'));
      assert.ok(textOf(switched.text).includes('org.policy_changed'), 'the audit log lists it');

      const rp = await RelyingParty.discover(server.issuer);
      const memberBrowser = new Browser();
      const next = await submitPassword(
        memberBrowser,
        await open(memberBrowser, await rp.authorize()),
        'memberC@example.test',
        PASSWORD,
      );
      assert.ok(isEnrollment(next), 'the member must enroll at the next sign-in');
    });

    it("M5: a paid organization's switch is on and locked; members and admins cannot switch", async () => {
      const { sor } = server.services;
      const org = (await sor.createOrg({ name: 'Delta', plan: 'paid' })).id;
      const owner = await server.createUser('ownerD@example.test', PASSWORD);
      await sor.setMembership(owner, org, 'owner');
      const secret = await giveTotp(server, owner);
      const browser = new Browser();
      await accountSignIn(browser, server, 'ownerD@example.test', PASSWORD, secret);
      const page = await browser.request(url(`/account/organizations/${org}`));
      assert.ok(textOf(page.text).includes('Paid organizations always require MFA'));
      const csrf = csrfOf(await browser.request(url('/account/security')));
      const res = await browser.request(url(`/account/organizations/${org}/require-mfa`), {
        form: { csrf, value: 'off' },
      });
      assert.equal(res.status, 409);
      assert.equal((await sor.findOrgById(org))?.plan, 'paid');

      const admin = new Browser();
      const adminPage = await accountSignIn(admin, server, 'adminA@example.test', PASSWORD);
      const denied = await admin.request(url(`/account/organizations/${orgA}/require-mfa`), {
        form: { csrf: csrfOf(adminPage), value: 'on' },
      });
      assert.equal(denied.status, 403);
      assert.equal((await sor.findOrgById(orgA))?.requireMfaForAllUsers, false);
    });
  });
}
