// U2 with F1: an invitation into an SSO-enforced organization is accepted by signing in through
// the organization's identity provider — for a new person (no password is ever set) and for an
// existing user who is not a member yet. The invitation is what lets them in (without it the
// connection refuses a non-member, and an unknown address without just-in-time creation); it
// works once, and the address counts as verified (U5). On embedded stores and PostgreSQL + Redis.
import assert from 'node:assert/strict';
import { createInvitations } from '../../src/invitations/service.ts';
import type { Organization, Role } from '../../src/store/records.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { mailsTo } from '../support/mail.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';
import { emailStep, PASSWORD, ssoOrg } from './support.ts';
import { startUpstream, type Upstream } from './upstream.ts';

const linkOf = (text: string) => /(http:\/\/\S+\/invite\?token=[\w-]+)/.exec(text)?.[1];

for (const mode of STORE_MODES) {
  describe(`U2, F1: invitations into an SSO-enforced organization (${mode} stores)`, function () {
    this.timeout(90_000);
    let server: TestServer;
    let upstream: Upstream;
    let hooli: Organization;

    before(async () => {
      server = await startTestServer(mode);
      upstream = await startUpstream({ redirectUri: `${server.issuer}/sso/callback` });
      hooli = await ssoOrg(server, 'Hooli', { upstream, enforced: true, domains: ['hooli.test'] });
    });
    after(async () => {
      await upstream?.stop();
      await server?.stop();
    });

    async function inviteLink(email: string, role: Role = 'member'): Promise<string> {
      const { sor, mail, config } = server.services;
      const invitations = createInvitations({ sor, mail, issuer: config.issuer, ttlSeconds: 3600 });
      await invitations.invite(hooli, { email, role, invitedBy: null }, { actorUserId: null }, 'en');
      for (let i = 0; i < 100; i++) {
        const mails = await mailsTo(server, email);
        const link = mails.length > 0 && linkOf(mails[mails.length - 1].text);
        if (link) return link;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('no invitation mail');
    }

    /** Opens the link, follows "Sign in to accept", and signs in at the upstream as `email`. */
    async function acceptThroughSso(
      browser: Browser,
      link: string,
      sub: string,
      email: string,
    ): Promise<Page> {
      const invitePage = await browser.request(new URL(link));
      assert.equal(invitePage.status, 200);
      assert.doesNotMatch(invitePage.text, /name="password"/, 'no password to choose in an enforced org');
      const href = /<a href="([^"]+)">Sign in to accept<\/a>/.exec(invitePage.text)?.[1];
      assert.ok(href, textOf(invitePage.text).slice(0, 300));
      const login = await browser.follow(new URL(href.replace(/&amp;/g, '&'), server.issuer));
      upstream.next = { sub, email, email_verified: true, amr: ['pwd'] };
      return emailStep(browser, login, email);
    }

    it('U2, F1, U5: a new person accepts by signing in through SSO — user created with the invited role, address verified, no password; the link works once', async () => {
      const email = 'newbie@hooli.test';
      const link = await inviteLink(email, 'admin');
      const b = new Browser();
      const landed = await acceptThroughSso(b, link, 'up-newbie', email);
      assert.equal(landed.status, 200, textOf(landed.text).slice(0, 300));
      assert.equal(new URL(landed.url).pathname, `/account/organizations/${hooli.id}`);
      const { sor } = server.services;
      const user = await sor.findUserByEmail(email);
      assert.ok(user, 'the user exists');
      assert.ok(user.emailVerifiedAt, 'U5: the address counts as verified');
      const [membership] = await sor.listMembershipsOfUser(user.id);
      assert.equal(membership.orgId, hooli.id);
      assert.equal(membership.role, 'admin', 'the invited role');
      const events = await sor.listAudit({ orgId: hooli.id });
      assert.ok(events.some((e) => e.action === 'invitation.accepted' && e.targetUserId === user.id));
      assert.equal((await new Browser().request(new URL(link))).status, 410, 'single use');
    });

    it('U2, F1: an existing user who is not a member yet joins through SSO with the invitation; without one the connection refuses them', async () => {
      const email = 'existing@hooli.test';
      const id = await server.createUser(email, PASSWORD);
      const uninvited = new Browser();
      const refusedLogin = await acceptThroughSso(
        uninvited,
        await inviteLink('someone-else@hooli.test'),
        'up-x',
        email,
      );
      assert.equal(refusedLogin.status, 403, 'another address’s invitation lets nobody else in');
      assert.match(textOf(refusedLogin.text), /not a member of Hooli/);
      assert.equal((await server.services.sor.listMembershipsOfUser(id)).length, 0);

      const b = new Browser();
      const landed = await acceptThroughSso(b, await inviteLink(email), 'up-existing', email);
      assert.equal(
        new URL(landed.url).pathname,
        `/account/organizations/${hooli.id}`,
        textOf(landed.text).slice(0, 300),
      );
      const memberships = await server.services.sor.listMembershipsOfUser(id);
      assert.deepEqual(
        memberships.map((m) => [m.orgId, m.role]),
        [[hooli.id, 'member']],
      );
    });

    it('F1: without an invitation, an unknown address is still refused (no just-in-time creation)', async () => {
      const b = new Browser();
      const login = await b.follow(new URL('/account/login', server.issuer));
      upstream.next = { sub: 'up-stranger', email: 'stranger@hooli.test', email_verified: true };
      const page = await emailStep(b, login, 'stranger@hooli.test');
      assert.equal(page.status, 403);
      assert.match(textOf(page.text), /Hooli has no account for stranger@hooli\.test/);
      assert.equal(await server.services.sor.findUserByEmail('stranger@hooli.test'), undefined);
    });
  });
}
