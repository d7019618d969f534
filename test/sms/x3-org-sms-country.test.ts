// Issue 16 item 5, X3, S2: an owner may set the country their members' phone numbers start with;
// it comes before the browser's Accept-Language, and its example number is the one shown. Set on
// the organization page (owners only, audited) and through the admin API; a country SMS codes
// cannot be sent to is refused with nothing changed. On embedded stores and PostgreSQL + Redis.
import assert from 'node:assert/strict';
import { adminCaller, adminClient, adminToken } from '../admin/support.ts';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES } from '../support/server.ts';
import { chooseSms, PASSWORD, type SmsTestServer, startSmsServer } from '../support/sms.ts';

const selectedCountry = (page: Page) => /<option value="([A-Z]*)" selected>/.exec(page.text)?.[1];
const hint = (page: Page) => textOf(/<p class="sub" id="phone-hint">([^<]*)<\/p>/.exec(page.text)?.[1] ?? '');

for (const mode of STORE_MODES) {
  describe(`X3, issue 16 item 5: an organization's default SMS country (${mode} stores)`, function () {
    this.timeout(90_000);
    let server: SmsTestServer;
    before(async () => {
      server = await startSmsServer(mode, {
        env: { SMS_BLOCKED_COUNTRIES: 'CN,RU' },
        clients: [adminClient('country-admin', 'admin:read admin:write')],
      });
    });
    after(() => server?.stop());

    it('X3, item 5: the owner sets Japan; a member whose browser says en-US starts at Japan with a Japanese example; a blocked or unknown country is refused; "" clears it', async () => {
      const { sor } = server.services;
      const org = await sor.createOrg({ name: `Country ${mode}`, plan: 'paid' });
      const ownerEmail = `country-owner-${mode}@example.test`;
      const ownerId = await server.createUser(ownerEmail, PASSWORD);
      await sor.setMembership(ownerId, org.id, 'owner');
      const owner = new Browser();
      await accountSignIn(owner, server, ownerEmail, PASSWORD, await giveTotp(server, ownerId));
      const orgUrl = new URL(`/account/organizations/${org.id}`, server.issuer);
      const orgPage = await owner.request(orgUrl);
      assert.match(orgPage.text, /action="[^"]+\/sms-country"/, 'the setting is on the organization page');
      const set = (country: string) =>
        owner.request(new URL(`/account/organizations/${org.id}/sms-country`, server.issuer), {
          form: { csrf: csrfOf(orgPage), country },
        });

      for (const refused of ['CN', 'XX', 'jp']) {
        const res = await set(refused);
        assert.equal(res.status, 400, refused);
        assert.match(textOf(res.text), /Choose a country text messages can be sent to/);
      }
      assert.equal((await sor.findOrgById(org.id))?.smsDefaultCountry, null, 'nothing saved');
      assert.equal((await set('JP')).status, 303, 'saved, back to the organization page');
      assert.equal((await sor.findOrgById(org.id))?.smsDefaultCountry, 'JP');
      const audited = await sor.listAudit({ orgId: org.id });
      assert.ok(
        audited.some((e) => (e.details as { smsDefaultCountry?: string }).smsDefaultCountry === 'JP'),
      );

      const memberEmail = `country-member-${mode}@example.test`;
      await sor.setMembership(await server.createUser(memberEmail, PASSWORD), org.id, 'member');
      const rp = await RelyingParty.discover(server.issuer);
      const b = new Browser();
      b.acceptLanguage = 'en-US,en;q=0.9';
      const first = await submitPassword(b, await open(b, await rp.authorize()), memberEmail, PASSWORD);
      const phone = await chooseSms(b, first);
      assert.equal(selectedCountry(phone), 'JP', textOf(phone.text).slice(0, 300));
      assert.ok(hint(phone).includes('090-1234-5678'), `hint: ${hint(phone)}`);

      assert.equal((await set('')).status, 303);
      assert.equal((await sor.findOrgById(org.id))?.smsDefaultCountry, null, '"" goes back to the browser');
    });

    it('X3, item 5: a member cannot set it (403); the admin API sets, shows and validates smsDefaultCountry', async () => {
      const { sor } = server.services;
      const org = await sor.createOrg({
        name: `Country API ${mode}`,
        plan: 'free',
        requireMfaForAllUsers: true,
      });
      const memberEmail = `country-plain-${mode}@example.test`;
      const memberId = await server.createUser(memberEmail, PASSWORD);
      await sor.setMembership(memberId, org.id, 'member');
      const member = new Browser();
      await accountSignIn(member, server, memberEmail, PASSWORD, await giveTotp(server, memberId));
      const page = await member.request(new URL('/account/security', server.issuer)); // a CSRF token of the session
      const denied = await member.request(
        new URL(`/account/organizations/${org.id}/sms-country`, server.issuer),
        {
          form: { csrf: csrfOf(page), country: 'JP' },
        },
      );
      assert.equal(denied.status, 403);
      assert.equal((await sor.findOrgById(org.id))?.smsDefaultCountry, null);

      const token = await adminToken(server, 'country-admin', 'admin:read admin:write');
      const patch = (body: object) => adminCaller(server)(token, 'PATCH', `/organizations/${org.id}`, body);
      assert.equal((await patch({ smsDefaultCountry: 'RU' })).status, 400, 'a blocked country');
      assert.equal((await patch({ smsDefaultCountry: 'QQ' })).status, 400, 'not a country');
      const ok = await patch({ smsDefaultCountry: 'GB' });
      assert.equal(ok.status, 200);
      assert.equal(((await ok.json()) as { smsDefaultCountry: string }).smsDefaultCountry, 'GB');
      const cleared = await patch({ smsDefaultCountry: null });
      assert.equal(((await cleared.json()) as { smsDefaultCountry: string | null }).smsDefaultCountry, null);
    });
  });
}
