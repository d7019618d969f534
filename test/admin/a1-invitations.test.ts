// A1, U2: invitations through the admin API (/admin/v1/organizations/{orgId}/invitations): the
// same mail and link as the organization page, accepting the link joins with the role the API
// gave (any role: the client acts for the organization), revoke and resend void the old link,
// audited with the client as actor; scopes and organization limits apply.
import assert from 'node:assert/strict';
import { Browser, textOf } from '../support/browser.ts';
import { mailsTo, waitForMail } from '../support/mail.ts';
import { isEnrollment } from '../support/mfa.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';
import { type AdminCall, adminCaller, adminClient, adminToken, type ProblemBody } from './support.ts';

const PASSWORD = 'my own brand new passphrase';
const linkOf = (text: string) => /(http:\/\/\S+\/invite\?token=[\w-]+)/.exec(text)?.[1];
const linkStatus = async (link: string) => (await new Browser().request(new URL(link))).status;

for (const mode of STORE_MODES) {
  describe(`A1, U2: invitations through the admin API (${mode})`, function () {
    this.timeout(90_000);
    let server: TestServer;
    let call: AdminCall;
    let rw: string;
    let orgId: string;
    before(async () => {
      server = await startTestServer(mode, {
        clients: [
          adminClient('inv-rw', 'admin:read admin:write'),
          adminClient('inv-ro', 'admin:read'),
          adminClient('inv-limited', 'admin:read admin:write', {
            admin_org_ids: ['00000000-0000-4000-8000-0000000000aa'],
          }),
        ],
      });
      call = adminCaller(server);
      rw = await adminToken(server, 'inv-rw', 'admin:read admin:write');
      const org = await server.services.sor.createOrg({ name: 'Invited Org', plan: 'paid' });
      orgId = org.id;
    });
    after(() => server.stop());

    const invite = (token: string, email: string, role = 'member', org = orgId) =>
      call(token, 'POST', `/organizations/${org}/invitations`, { email, role });

    it('A1, U2: an invitation created through the API mails a link; accepting it joins with the role given (owner) and continues into enrollment (P5); audited with the client as actor', async () => {
      const email = `a1-inv-new-${mode}@example.test`;
      const res = await invite(rw, email, 'owner');
      assert.equal(res.status, 201, await res.clone().text());
      const body = (await res.json()) as { id: string; role: string; mailSent: boolean; email: string };
      assert.equal(body.role, 'owner', 'an API client may invite any role');
      assert.equal(body.mailSent, true);
      const listed = (await (await call(rw, 'GET', `/organizations/${orgId}/invitations`)).json()) as {
        items: { id: string }[];
      };
      assert.ok(
        listed.items.some((i) => i.id === body.id),
        'listed as open',
      );

      const link = linkOf((await waitForMail(server, email, /invited to join/)).text);
      assert.ok(link, 'a link in the mail');
      const b = new Browser();
      const form = await b.request(new URL(link));
      assert.equal(form.status, 200);
      assert.match(textOf(form.text), /Choose a password/);
      let page = await b.submit(form, { password: PASSWORD }, /\/account\/invite$/);
      page = await b.submit(page, { email, password: PASSWORD }, /\/login$/);
      assert.ok(isEnrollment(page), `P5: enrollment, got ${textOf(page.text).slice(0, 200)}`);
      const user = await server.services.sor.findUserByEmail(email);
      assert.ok(user, 'the invited person has an account');
      const roles = (await server.services.sor.listMembershipsOfUser(user.id)).map((m) => [m.orgId, m.role]);
      assert.deepEqual(roles, [[orgId, 'owner']]);
      assert.equal(await linkStatus(link), 410, 'single use');

      const events = (await (
        await call(rw, 'GET', `/audit-events?orgId=${orgId}&action=invitation.created`)
      ).json()) as { items: { actorLabel: string; details: { invitationId: string } }[] };
      const created = events.items.find((e) => e.details.invitationId === body.id);
      assert.equal(created?.actorLabel, 'client:inv-rw', 'audited with the API client as actor');
    });

    it('A1, U2: resend through the API mails a new link and voids the old one; revoke voids the link; a revoked invitation cannot be revoked or re-sent again (409)', async () => {
      const email = `a1-inv-resend-${mode}@example.test`;
      const { id } = (await (await invite(rw, email)).json()) as { id: string };
      const first = linkOf((await waitForMail(server, email, /invited to join/)).text)!;
      const resent = await call(rw, 'POST', `/organizations/${orgId}/invitations/${id}/resend`, {});
      assert.equal(resent.status, 200, await resent.clone().text());
      const second = (await mailsTo(server, email)).map((m) => linkOf(m.text)).at(-1)!;
      assert.notEqual(second, first);
      assert.equal(await linkStatus(first), 410, 'resend voids the old link');
      assert.equal(await linkStatus(second), 200, 'the new link works');

      const revoked = await call(rw, 'DELETE', `/organizations/${orgId}/invitations/${id}`);
      assert.equal(revoked.status, 204);
      assert.equal(await linkStatus(second), 410, 'revoke voids the link');
      const listed = (await (await call(rw, 'GET', `/organizations/${orgId}/invitations`)).json()) as {
        items: { id: string }[];
      };
      assert.ok(!listed.items.some((i) => i.id === id), 'no longer listed');
      assert.equal((await call(rw, 'DELETE', `/organizations/${orgId}/invitations/${id}`)).status, 409);
      assert.equal(
        (await call(rw, 'POST', `/organizations/${orgId}/invitations/${id}/resend`, {})).status,
        409,
      );
    });

    it('A1, U2: a read-only token cannot invite (403 problem+json) and no mail goes out; an organization-limited client cannot invite into another organization', async () => {
      const ro = await adminToken(server, 'inv-ro', 'admin:read');
      const email = `a1-inv-denied-${mode}@example.test`;
      const denied = await invite(ro, email);
      assert.equal(denied.status, 403);
      assert.match(denied.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.match(((await denied.json()) as ProblemBody).type, /insufficient_scope/);

      const limited = await adminToken(server, 'inv-limited', 'admin:read admin:write');
      const other = await invite(limited, email);
      assert.equal(other.status, 403);
      assert.match(((await other.json()) as ProblemBody).type, /forbidden_organization/);
      assert.equal(
        (await call(limited, 'GET', `/organizations/${orgId}/invitations`)).status,
        403,
        'nor list its invitations',
      );
      assert.equal(
        (await server.services.sor.listOpenInvitations(orgId)).filter((i) => i.email === email).length,
        0,
      );
      assert.deepEqual(await mailsTo(server, email), [], 'no mail');
    });

    it('A1, U2: a bad address is a 400 problem, an unknown invitation a 404', async () => {
      const bad = await invite(rw, 'not an address');
      assert.equal(bad.status, 400);
      assert.match(bad.headers.get('content-type') ?? '', /application\/problem\+json/);
      const unknown = await call(
        rw,
        'DELETE',
        `/organizations/${orgId}/invitations/00000000-0000-4000-8000-000000000001`,
      );
      assert.equal(unknown.status, 404);
    });
  });
}
