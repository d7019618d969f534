// G4: the owner's "Remembered devices" setting on the organization page and in the admin API — off
// by default, at most REMEMBER_DEVICE_MAX_DAYS, 0 turns it off; bad input and non-owners are
// refused with nothing changed; a saved value is what the members' MFA step offers.
import assert from 'node:assert/strict';
import { checkRememberDays } from '../../src/core/rollout-settings.ts';
import type { Organization } from '../../src/store/records.ts';
import { adminCaller, adminClient, adminToken } from '../admin/support.ts';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { isMfaChallenge } from '../support/mfa.ts';
import { hasRememberBox } from '../support/remember.ts';
import { passwordStep, RelyingParty } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

describe('G4: checkRememberDays (the bound shared by the page and the admin API)', () => {
  it('G4: 0 is always allowed; 1..max allowed; above max, negative or fractional refused; max 0 turns it off', () => {
    assert.equal(checkRememberDays(0, 30), null);
    assert.equal(checkRememberDays(0, 0), null);
    assert.equal(checkRememberDays(30, 30), null);
    assert.deepEqual(checkRememberDays(31, 30), { key: 'org.remember_too_long', days: 30 });
    assert.deepEqual(checkRememberDays(-1, 30), { key: 'org.remember_too_long', days: 30 });
    assert.deepEqual(checkRememberDays(1.5, 30), { key: 'org.remember_too_long', days: 30 });
    assert.deepEqual(checkRememberDays(5, 0), { key: 'org.remember_disabled' });
  });
});

for (const mode of STORE_MODES) {
  describe(`G4: the owner's remembered-devices setting (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    let rp: RelyingParty;
    before(async () => {
      server = await startTestServer(mode, {
        env: { REMEMBER_DEVICE_MAX_DAYS: '30' },
        clients: [adminClient('remember-admin', 'admin:read admin:write')],
      });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    async function setUp(name: string) {
      const { sor } = server.services;
      const org = await sor.createOrg({ name: `${name} ${mode}`, plan: 'paid' });
      const ownerEmail = `${name}-owner-${mode}@example.test`.toLowerCase();
      const ownerId = await server.createUser(ownerEmail, PASSWORD);
      await sor.setMembership(ownerId, org.id, 'owner');
      const memberEmail = `${name}-member-${mode}@example.test`.toLowerCase();
      const memberId = await server.createUser(memberEmail, PASSWORD);
      await sor.setMembership(memberId, org.id, 'member');
      const memberSecret = await giveTotp(server, memberId);
      return { org, ownerEmail, ownerSecret: await giveTotp(server, ownerId), memberEmail, memberSecret };
    }

    /** What the member's MFA step offers now. */
    async function offered(email: string) {
      const { page } = await passwordStep(new Browser(), rp, email, PASSWORD);
      assert.ok(isMfaChallenge(page), textOf(page.text).slice(0, 200));
      return hasRememberBox(page) ? /for (\d+) days?/.exec(textOf(page.text))?.[1] : undefined;
    }

    it('G4: off by default; the owner saves 14 days (audited) and the members are offered 14; beyond 30 or not a number: 400, nothing saved; 0 turns it off', async () => {
      const { sor } = server.services;
      const { org, ownerEmail, ownerSecret, memberEmail } = await setUp('Remember');
      assert.equal(await offered(memberEmail), undefined, 'off by default');
      const owner = new Browser();
      await accountSignIn(owner, server, ownerEmail, PASSWORD, ownerSecret);
      const page = await owner.request(new URL(`/account/organizations/${org.id}`, server.issuer));
      assert.match(textOf(page.text), /Remembered devices/);
      assert.match(page.text, /name="days" type="number" min="0" max="30"/);

      const tooLong = await owner.submit(page, { days: '45' }, /\/remember-devices$/);
      assert.equal(tooLong.status, 400);
      assert.match(textOf(tooLong.text), /At most 30 days/);
      for (const days of ['abc', '-1', '1.5', ''])
        assert.equal((await owner.submit(page, { days }, /\/remember-devices$/)).status, 400, days);
      assert.equal((await sor.findOrgById(org.id))?.rememberDeviceDays, 0, 'nothing saved');

      const saved = await owner.submit(page, { days: '14' }, /\/remember-devices$/);
      assert.equal(saved.status, 200, textOf(saved.text).slice(0, 200));
      assert.equal((await sor.findOrgById(org.id))?.rememberDeviceDays, 14);
      const audited = (await sor.listAudit({ orgId: org.id })).filter(
        (e) => e.action === 'org.policy_changed',
      );
      assert.deepEqual(audited[0]?.details, { rememberDeviceDays: 14 });
      assert.equal(await offered(memberEmail), '14');

      await owner.submit(saved, { days: '0' }, /\/remember-devices$/);
      assert.equal(await offered(memberEmail), undefined, 'turned off');
    });

    it('G4: a member who is not the owner cannot change it (403)', async () => {
      const { sor } = server.services;
      const { org, memberEmail, memberSecret } = await setUp('NotOwner');
      const member = new Browser();
      const page = await accountSignIn(member, server, memberEmail, PASSWORD, memberSecret);
      const res = await member.request(
        new URL(`/account/organizations/${org.id}/remember-devices`, server.issuer),
        {
          form: { csrf: csrfOf(page), days: '7' },
        },
      );
      assert.equal(res.status, 403);
      assert.equal((await sor.findOrgById(org.id))?.rememberDeviceDays, 0);
    });

    it('G4: the admin API PATCH sets rememberDeviceDays (0..REMEMBER_DEVICE_MAX_DAYS) with the same effect', async () => {
      const { org, memberEmail } = await setUp('Api');
      const token = await adminToken(server, 'remember-admin', 'admin:read admin:write');
      const call = adminCaller(server);
      const patch = (body: object) => call(token, 'PATCH', `/organizations/${org.id}`, body);
      const tooLong = await patch({ rememberDeviceDays: 45 });
      assert.equal(tooLong.status, 400);
      assert.match(await tooLong.text(), /rememberDeviceDays/);
      for (const bad of [-1, 1.5, '7', null])
        assert.equal((await patch({ rememberDeviceDays: bad })).status, 400);
      const res = await patch({ rememberDeviceDays: 7 });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as Organization).rememberDeviceDays, 7);
      const read = await call(token, 'GET', `/organizations/${org.id}`);
      assert.equal(((await read.json()) as Organization).rememberDeviceDays, 7);
      assert.equal(await offered(memberEmail), '7');
    });
  });
}
