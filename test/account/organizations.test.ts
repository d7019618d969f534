// M5, R1, R3: the organization page — the owner's require-MFA switch, resetting a member's MFA
// (the authorization matrix), and the audit log.
import assert from 'node:assert/strict';
import { newBackupCodes } from '../../src/mfa/backup-codes/factor.ts';
import type { Role } from '../../src/store/records.ts';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { appCode, isEnrollment, isMfaChallenge, submitCode } from '../support/mfa.ts';
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
    /** Owned by ownerA too. */
    let orgC: string;

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
      orgC = (await sor.createOrg({ name: 'Charlie Co', plan: 'free' })).id;
      await person('ownerA', orgA, 'owner');
      await person('adminA', orgA, 'admin');
      await person('memberA', orgA, 'member');
      await person('owner2A', orgA, 'owner');
      await person('admin2A', orgA, 'admin');
      await person('member2A', orgA, 'member');
      await person('ownerB', orgB, 'owner');
      await person('adminB', orgB, 'admin');
      await person('memberB', orgB, 'member');
      await sor.setMembership(people.ownerA, orgC, 'owner');
      // V5: members of A with a role elsewhere.
      await person('memberAownerB', orgA, 'member');
      await sor.setMembership(people.memberAownerB, orgB, 'owner');
      await person('memberAadminB', orgA, 'member');
      await sor.setMembership(people.memberAadminB, orgB, 'admin');
      await person('adminAownerB', orgA, 'admin');
      await sor.setMembership(people.adminAownerB, orgB, 'owner');
      await person('memberAadminC', orgA, 'member');
      await sor.setMembership(people.memberAadminC, orgC, 'admin');
      await person('memberAmemberB', orgA, 'member');
      await sor.setMembership(people.memberAmemberB, orgB, 'member');
    });
    after(() => server?.stop());

    describe('R1: who may reset whose MFA', () => {
      const actors = ['ownerA', 'adminA', 'memberA'] as const;
      const targets = [
        'owner2A',
        'admin2A',
        'member2A',
        'ownerB',
        'adminB',
        'memberB',
        'self',
        'memberAownerB',
        'memberAadminB',
        'adminAownerB',
        'memberAadminC',
        'memberAmemberB',
      ] as const;
      const inB = new Set(['ownerB', 'adminB', 'memberB']);
      const allowed = new Set([
        'ownerA>owner2A',
        'ownerA>admin2A',
        'ownerA>member2A',
        'adminA>member2A',
        // V5: a role elsewhere only in an organization the actor owns (C), or only member roles.
        'ownerA>memberAadminC',
        'ownerA>memberAmemberB',
        'adminA>memberAmemberB',
      ]);
      /** V5: refused because of an owner/admin role in an organization the actor does not own. */
      const elsewhere: Record<string, string> = {
        'ownerA>memberAownerB': 'Bravo',
        'ownerA>memberAadminB': 'Bravo',
        'ownerA>adminAownerB': 'Bravo',
        'adminA>memberAadminC': 'Charlie Co',
        'adminA>memberAownerB': 'Bravo',
        'adminA>memberAadminB': 'Bravo',
      };
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
          const v5 = elsewhere[key] ? 'V5: ' : '';
          it(`${v5}R1: ${actor} resetting ${target} → ${ok ? 'done' : '403, nothing changes'}`, async () => {
            const { sor } = server.services;
            const targetId = target === 'self' ? people[actor] : people[target];
            await sor.deleteFactorsOfUser(targetId);
            // (An actor with a method would need an MFA session; the self case checks the audit log instead.)
            if (target !== 'self') await giveTotp(server, targetId);
            const browser = browsers[actor];
            const page = await browser.request(url(`/account/organizations/${orgA}`));
            assert.equal(page.status, 200);
            const orgOfTarget = inB.has(target) ? orgB : orgA;
            if (orgOfTarget === orgA) {
              // The members table offers the button exactly where the reset would be done.
              assert.equal(page.text.includes(`/members/${targetId}/reset-mfa/confirm"`), ok, 'canReset');
            }
            if (elsewhere[key]) {
              assert.ok(
                textOf(page.text).includes(`Only an owner of ${elsewhere[key]} or support can reset`),
              );
            }
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
              if (elsewhere[key]) {
                const text = textOf(res.text);
                assert.ok(text.includes(`is also an owner or admin of ${elsewhere[key]}`), text);
                assert.ok(text.includes(`Ask an owner of ${elsewhere[key]}`), text);
                assert.ok(text.includes('deadbolt mfa reset'), text);
              }
              assert.equal(factors.length, target === 'self' ? 0 : 1, 'nothing changed');
              const events = await sor.listAudit({ userId: targetId });
              assert.ok(!events.some((e) => e.action === 'mfa.reset' && e.actorUserId === people[actor]));
            }
          });
        }
    });

    it("V5: an admin of A cannot strip the owner of B who is a member of A — 403 saying who can (en, ja), and the owner's factors still sign them in", async () => {
      const { sor } = server.services;
      const org = (await sor.createOrg({ name: 'Echo', plan: 'free' })).id;
      const other = (await sor.createOrg({ name: 'Foxtrot', plan: 'paid' })).id;
      const admin = await server.createUser('adminE@example.test', PASSWORD);
      const victim = await server.createUser('ownerF@example.test', PASSWORD);
      await sor.setMembership(admin, org, 'admin');
      await sor.setMembership(victim, org, 'member');
      await sor.setMembership(victim, other, 'owner');
      const secret = await giveTotp(server, victim);
      const before = await sor.listFactors(victim);

      const browser = new Browser();
      const security = await accountSignIn(browser, server, 'adminE@example.test', PASSWORD);
      const path = url(`/account/organizations/${org}/members/${victim}/reset-mfa`);
      const form = { csrf: csrfOf(security), reason: 'take over' };
      const res = await browser.request(path, { form });
      assert.equal(res.status, 403);
      const text = textOf(res.text);
      assert.ok(text.includes('ownerF@example.test is also an owner or admin of Foxtrot'), text);
      assert.ok(text.includes('Ask an owner of Foxtrot to reset it, or contact support'), text);
      browser.acceptLanguage = 'ja';
      const ja = await browser.request(path, { form });
      assert.equal(ja.status, 403);
      assert.ok(textOf(ja.text).includes('Foxtrot のオーナーに MFA のリセットを依頼するか'), textOf(ja.text));

      assert.deepEqual(
        (await sor.listFactors(victim)).map((f) => f.id),
        before.map((f) => f.id),
        'nothing was removed',
      );
      const events = await sor.listAudit({ userId: victim });
      assert.ok(!events.some((e) => e.action === 'mfa.reset'));
      // The owner of Foxtrot still signs in with the authenticator app, through the relying party.
      const rp = await RelyingParty.discover(server.issuer);
      const person = new Browser();
      const auth = await rp.authorize();
      const challenge = await submitPassword(
        person,
        await open(person, auth),
        'ownerF@example.test',
        PASSWORD,
      );
      assert.ok(isMfaChallenge(challenge), textOf(challenge.text).slice(0, 300));
      const done = await submitCode(person, challenge, await appCode(secret));
      assert.equal(done.status, 0, textOf(done.text).slice(0, 300));
      const tokens = await rp.callback(done.url, auth);
      assert.equal(tokens.claims()?.sub, victim);
      assert.ok((tokens.claims()!.amr as string[]).includes('otp'));
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
      // G7: switching on goes through the confirmation step (the owner has no method yet).
      const confirm = await browser.submit(page, { value: 'on' }, /require-mfa\/confirm$/);
      assert.ok(textOf(confirm.text).includes('You are not ready yet'));
      const switched = await browser.submit(confirm, {}, /require-mfa$/);
      assert.ok(textOf(switched.text).includes('MFA is now required for all users'));
      assert.ok(
        textOf(switched.text).includes('MFA requirement changed'),
        'the audit log lists it (A5: in words)',
      );

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

    it('M5, R1, X7: "Stop requiring MFA" and "Reset MFA" go through a confirmation page (no JS) that says what will happen; counts read as a person counts (issue 16 items 6, 9)', async () => {
      const { sor } = server.services;
      const org = (await sor.createOrg({ name: 'Echo', plan: 'free', requireMfaForAllUsers: true })).id;
      const owner = await server.createUser('ownerE@example.test', PASSWORD);
      const member = await server.createUser('memberE@example.test', PASSWORD);
      await sor.setMembership(owner, org, 'owner');
      await sor.setMembership(member, org, 'member');
      const ownerSecret = await giveTotp(server, owner);
      await giveTotp(server, member);
      for (const row of (await newBackupCodes(member)).rows) await sor.insertFactor(row);
      const browser = new Browser();
      await accountSignIn(browser, server, 'ownerE@example.test', PASSWORD, ownerSecret);
      const page = await browser.request(url(`/account/organizations/${org}`));
      assert.match(
        page.text,
        /require-mfa\/off\/confirm">[\s\S]*?<button type="submit" class="danger">Stop requiring MFA</,
      );

      const reset = await browser.submit(page, { reason: 'lost phone' }, /reset-mfa\/confirm$/);
      assert.ok(textOf(reset.text).includes('Reset MFA?'));
      assert.ok(
        textOf(reset.text).includes('Every method and backup code of memberE@example.test will be removed'),
      );
      assert.equal((await sor.listFactors(member)).length, 5, 'nothing removed before the confirmation');
      const resetDone = await browser.submit(reset, {}, /reset-mfa$/);
      assert.ok(
        textOf(resetDone.text).includes('1 method removed, no sessions ended.'),
        textOf(resetDone.text).slice(0, 400),
      );
      assert.equal((await sor.listFactors(member)).length, 0);

      const stop = await browser.submit(resetDone, {}, /require-mfa\/off\/confirm$/);
      assert.ok(textOf(stop.text).includes('Stop requiring MFA?'));
      assert.match(stop.text, /<a href="\/account\/organizations\/[^"]+">Cancel and go back</);
      assert.equal((await sor.findOrgById(org))?.requireMfaForAllUsers, true, 'not switched off yet');
      const off = await browser.submit(stop, {}, /require-mfa$/);
      assert.equal((await sor.findOrgById(org))?.requireMfaForAllUsers, false);
      assert.ok(textOf(off.text).includes('1 member has not set up MFA yet.'), 'singular');
      browser.acceptLanguage = 'ja';
      const ja = await browser.request(url(`/account/organizations/${org}`));
      assert.ok(textOf(ja.text).includes('1 人のメンバーがまだ MFA を設定していません。'));
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
