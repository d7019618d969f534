// G2, G3: the owner's rollout settings on the organization page and in the admin API. The owner sets
// an enforcement date within MFA_MAX_GRACE_DAYS (beyond it: refused with a clear message) and clears
// it, audited; forbidding SMS leads a member whose only method is SMS to the app's enrollment at
// the next sign-in (through openid-client), with SMS not offered.
import assert from 'node:assert/strict';
import type { Organization } from '../../src/store/records.ts';
import { adminCaller, adminClient, adminToken } from '../admin/support.ts';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { isEnrollment } from '../support/mfa.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const DAY = 86_400_000;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);

for (const mode of STORE_MODES) {
  describe(`G2, G3: the owner's rollout settings (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    before(async () => {
      server = await startTestServer(mode, {
        env: { MFA_MAX_GRACE_DAYS: '30', SMS_ORIGINATORS: '10101' },
        clients: [adminClient('settings-admin', 'admin:read admin:write')],
      });
    });
    after(() => server?.stop());

    /** An organization requiring MFA, its owner (with the app) signed in, and an SMS-only member. */
    async function setUp(name: string) {
      const { sor } = server.services;
      const org = await sor.createOrg({ name: `${name} ${mode}`, plan: 'free', requireMfaForAllUsers: true });
      const ownerEmail = `${name}-owner-${mode}@example.test`.toLowerCase();
      const ownerId = await server.createUser(ownerEmail, PASSWORD);
      await sor.setMembership(ownerId, org.id, 'owner');
      const secret = await giveTotp(server, ownerId);
      const memberEmail = `${name}-member-${mode}@example.test`.toLowerCase();
      const memberId = await server.createUser(memberEmail, PASSWORD);
      await sor.setMembership(memberId, org.id, 'member');
      await sor.insertFactor({ userId: memberId, type: 'sms', data: { phone: '+819012345678' } });
      return { org, ownerId, secret, memberEmail };
    }

    /** The member's next sign-in at a relying party: the app's enrollment, SMS not offered. */
    async function assertLedToAppEnrollment(email: string) {
      const rp = await RelyingParty.discover(server.issuer);
      const b = new Browser();
      const page = await submitPassword(b, await open(b, await rp.authorize()), email, PASSWORD);
      assert.ok(isEnrollment(page), `enrollment, got ${page.status} ${textOf(page.text).slice(0, 200)}`);
      assert.match(page.text, /otpauth:|secret/i, 'the app is set up');
      assert.doesNotMatch(page.text, /enroll\/sms|name="phone"|\/mfa\/sms/, 'SMS is not offered');
    }

    it('G2: the owner sets a date within MFA_MAX_GRACE_DAYS (beyond: refused with a message) and clears it, audited', async () => {
      const { sor } = server.services;
      const { org, ownerId, secret } = await setUp('Dates');
      const owner = new Browser();
      await accountSignIn(owner, server, `dates-owner-${mode}@example.test`, PASSWORD, secret);
      const base = new URL(`/account/organizations/${org.id}`, server.issuer);
      const orgPage: Page = await owner.request(base);
      assert.equal(orgPage.status, 200, textOf(orgPage.text).slice(0, 200));

      const tooFar = await owner.submit(orgPage, { date: day(45) }, /\/enforcement-date$/);
      assert.equal(tooFar.status, 400);
      assert.match(textOf(tooFar.text), /at most 30 days ahead/);
      assert.equal((await sor.findOrgById(org.id))?.mfaEnforcedFrom, null, 'nothing saved');
      const garbage = await owner.submit(orgPage, { date: '2031-02-31x' }, /\/enforcement-date$/);
      assert.equal(garbage.status, 400);

      const set = await owner.submit(orgPage, { date: day(10) }, /\/enforcement-date$/);
      assert.equal(set.status, 200, textOf(set.text).slice(0, 200));
      assert.equal((await sor.findOrgById(org.id))?.mfaEnforcedFrom?.toISOString().slice(0, 10), day(10));
      assert.match(textOf(set.text), /Enforced in (9|10) days/);

      await owner.submit(set, { clear: 'yes' }, /\/enforcement-date$/);
      assert.equal((await sor.findOrgById(org.id))?.mfaEnforcedFrom, null, 'cleared');
      const events = (await sor.listAudit({ orgId: org.id })).filter(
        (e) => e.action === 'org.policy_changed',
      );
      assert.deepEqual(
        events.map((e) => [e.actorUserId, e.details.mfaEnforcedFrom === null ? 'cleared' : 'set']).sort(),
        [
          [ownerId, 'cleared'],
          [ownerId, 'set'],
        ],
      );
    });

    it('G3: the owner forbids SMS on the page; a member with only SMS is led to the app enrollment at the next sign-in', async () => {
      const { sor } = server.services;
      const { org, secret, memberEmail } = await setUp('Methods');
      const owner = new Browser();
      await accountSignIn(owner, server, `methods-owner-${mode}@example.test`, PASSWORD, secret);
      const orgPage = await owner.request(new URL(`/account/organizations/${org.id}`, server.issuer));
      const none = await owner.submit(orgPage, { method_totp: '', method_sms: '' }, /\/allowed-methods$/);
      assert.equal(none.status, 400, 'no method at all is refused');
      const saved = await owner.submit(orgPage, { method_totp: 'on', method_sms: '' }, /\/allowed-methods$/);
      assert.equal(saved.status, 200, textOf(saved.text).slice(0, 200));
      assert.deepEqual((await sor.findOrgById(org.id))?.allowedMethods, ['totp']);
      const events = await sor.listAudit({ orgId: org.id });
      assert.ok(
        events.some((e) => e.action === 'org.policy_changed'),
        'audited',
      );
      await assertLedToAppEnrollment(memberEmail);
    });

    it('G3, W5: allowing only passkeys requires a phishing-resistant method — a member with the app is led to add a passkey, the app is neither asked nor offered', async () => {
      const { sor } = server.services;
      const { org, secret } = await setUp('Phr');
      const appUser = `phr-app-${mode}@example.test`;
      const appUserId = await server.createUser(appUser, PASSWORD);
      await sor.setMembership(appUserId, org.id, 'member');
      await giveTotp(server, appUserId);
      const owner = new Browser();
      await accountSignIn(owner, server, `phr-owner-${mode}@example.test`, PASSWORD, secret);
      const orgPage = await owner.request(new URL(`/account/organizations/${org.id}`, server.issuer));
      assert.match(
        orgPage.text,
        /name="method_passkey"/,
        'passkeys are one of the methods an owner may allow',
      );
      const saved = await owner.submit(
        orgPage,
        { method_totp: '', method_sms: '', method_passkey: 'on' },
        /\/allowed-methods$/,
      );
      assert.equal(saved.status, 200, textOf(saved.text).slice(0, 200));
      assert.deepEqual((await sor.findOrgById(org.id))?.allowedMethods, ['passkey']);

      const rp = await RelyingParty.discover(server.issuer);
      const b = new Browser();
      const page = await submitPassword(b, await open(b, await rp.authorize()), appUser, PASSWORD);
      assert.match(page.text, /data-passkey="register"/, 'the passkey enrollment');
      assert.doesNotMatch(page.text, /name="code"/, 'no app code is asked');
      assert.doesNotMatch(
        page.text,
        /otpauth:|enroll\/sms|name="phone"/,
        'neither the app nor SMS is offered',
      );
    });

    it('G1, G2, G3: "Preview who is affected" on the date and methods forms shows the proposal before anything is saved', async () => {
      const { sor } = server.services;
      const { org, secret, memberEmail } = await setUp('Preview');
      const smsOnly = (await sor.findUserByEmail(memberEmail))!.id;
      const noMethod = await server.createUser(`preview-none-${mode}@example.test`, PASSWORD);
      await sor.setMembership(noMethod, org.id, 'member');
      const owner = new Browser();
      await accountSignIn(owner, server, `preview-owner-${mode}@example.test`, PASSWORD, secret);
      const orgPage = await owner.request(new URL(`/account/organizations/${org.id}`, server.issuer));
      const previewPath = `/account/organizations/${org.id}/enforcement-preview`;
      assert.equal(
        orgPage.text.split(`formaction="${previewPath}"`).length - 1,
        2,
        'a preview button on both forms',
      );
      const outcome = (page: Page, userId: string) =>
        new RegExp(`data-user="${userId}" data-outcome="([a-z_]+)"`).exec(page.text)?.[1];
      const preview = (form: Record<string, string>) =>
        owner.request(new URL(previewPath, server.issuer), { form: { csrf: csrfOf(orgPage), ...form } });

      const today = await owner.request(new URL(previewPath, server.issuer));
      assert.equal(outcome(today, smsOnly), 'enrolled');
      assert.equal(outcome(today, noMethod), 'must_enroll');

      const noSms = await preview({ preview: 'methods', method_totp: 'on' });
      assert.equal(noSms.status, 200, textOf(noSms.text).slice(0, 200));
      assert.equal(
        outcome(noSms, smsOnly),
        'must_enroll',
        'forbidding SMS leaves the SMS-only member without a method',
      );
      const csv = /href="([^"]+\.csv\?[^"]+)"/.exec(noSms.text)?.[1]?.replace(/&amp;/g, '&');
      assert.ok(csv?.includes('methods=totp'), `the CSV link carries the proposal: ${csv}`);
      const csvText = (await owner.request(new URL(csv!, server.issuer))).text;
      assert.match(csvText, new RegExp(`${memberEmail}[^\n]*must_enroll`));

      const dated = await preview({ preview: 'date', date: day(10) });
      assert.equal(outcome(dated, noMethod), 'grace_period', 'an enforcement date ahead reminds instead');

      const bad = await preview({ preview: 'methods' });
      assert.equal(bad.status, 400);
      assert.match(textOf(bad.text), /Choose at least one method/);
      const forged = await owner.request(new URL(previewPath, server.issuer), {
        form: { csrf: 'forged', preview: 'methods', method_totp: 'on' },
      });
      assert.equal(forged.status, 403);
      const after = await sor.findOrgById(org.id);
      assert.equal(after?.allowedMethods, null, 'a preview saves nothing');
      assert.equal(after?.mfaEnforcedFrom, null);
    });

    it('G2, G3: the admin API PATCH sets mfaEnforcedFrom (bounded) and allowedMethods with the same effect', async () => {
      const { sor } = server.services;
      const { org, memberEmail } = await setUp('Api');
      const token = await adminToken(server, 'settings-admin', 'admin:read admin:write');
      const patch = (body: object) => adminCaller(server)(token, 'PATCH', `/organizations/${org.id}`, body);
      const tooFar = await patch({ mfaEnforcedFrom: new Date(Date.now() + 45 * DAY).toISOString() });
      assert.equal(tooFar.status, 400);
      assert.match(await tooFar.text(), /mfaEnforcedFrom/);
      assert.equal((await patch({ mfaEnforcedFrom: 'not a date' })).status, 400);
      const within = new Date(Date.now() + 10 * DAY).toISOString();
      assert.equal((await patch({ mfaEnforcedFrom: within })).status, 200);
      assert.equal((await sor.findOrgById(org.id))?.mfaEnforcedFrom?.toISOString(), within);
      assert.equal((await patch({ mfaEnforcedFrom: null })).status, 200);
      assert.equal((await patch({ allowedMethods: ['sms', 'nope'] })).status, 400);
      const res = await patch({ allowedMethods: ['totp'] });
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as Organization).allowedMethods, ['totp']);
      await assertLedToAppEnrollment(memberEmail);
    });
  });
}
