// U2, P5, U5: invitations from the organization page — the mailed link is single use, expires,
// can be revoked and re-sent; a new person sets a password, signs in, is forced to enroll in a paid
// organization, and the relying party then sees amr with mfa and email_verified true.
import assert from 'node:assert/strict';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { mailsTo, waitForMail } from '../support/mail.ts';
import { appCode, finishFromCodesPage, isEnrollment, secretFromPage, submitCode } from '../support/mfa.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const NEW_PASSWORD = 'my own brand new passphrase';
const linkOf = (text: string) => /(http:\/\/\S+\/invite\?token=[\w-]+)/.exec(text)?.[1];

async function ownerPage(
  server: TestServer,
  email: string,
  role: 'owner' | 'admin' = 'owner',
  orgId?: string,
) {
  const { sor } = server.services;
  const userId = await server.createUser(email, PASSWORD, orgId ? undefined : { plan: 'paid', role });
  if (orgId) await sor.setMembership(userId, orgId, role);
  const secret = await giveTotp(server, userId);
  const b = new Browser();
  await accountSignIn(b, server, email, PASSWORD, secret);
  const org = orgId ?? (await sor.listMembershipsOfUser(userId))[0]!.orgId;
  const url = new URL(`/account/organizations/${org}/invitations`, server.issuer);
  return { b, org, url, page: await b.request(url) };
}

async function invite(server: TestServer, b: Browser, url: URL, page: Page, email: string, role = 'member') {
  return b.request(url, { method: 'POST', form: { csrf: csrfOf(page), email, role } });
}

for (const mode of STORE_MODES) {
  describe(`U2 invitations (${mode} stores)`, function () {
    this.timeout(90_000);
    let server: TestServer;
    let rp: RelyingParty;
    before(async () => {
      server = await startTestServer(mode, { captureLogs: true });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    it('U2, P5, U5: invite → accept (new user) → forced enrollment in a paid org → the RP sees amr with mfa and email_verified true; the link works once', async () => {
      const owner = await ownerPage(server, 'u2-owner@example.test');
      const email = 'u2-new@example.test';
      assert.equal((await invite(server, owner.b, owner.url, owner.page, email)).status, 200);
      const mail = await waitForMail(server, email, /invited to join/);
      const link = linkOf(mail.text);
      assert.ok(link, 'a link in the mail');
      assert.doesNotMatch(
        server.logs(),
        new RegExp(new URL(link).searchParams.get('token')!),
        'no token in logs',
      );

      const b = new Browser();
      const form = await b.request(new URL(link));
      assert.equal(form.status, 200);
      assert.match(textOf(form.text), /Choose a password/);
      // The provider's sign-in runs next; MFA is mandatory, so enrollment comes first (P5).
      let page = await b.submit(form, { password: NEW_PASSWORD }, /\/account\/invite$/);
      page = await b.submit(page, { email, password: NEW_PASSWORD }, /\/login$/);
      assert.ok(isEnrollment(page), `P5: enrollment, got ${textOf(page.text).slice(0, 200)}`);
      const secret = secretFromPage(page);
      const codes = await b.submit(page, { code: await appCode(secret) }, /confirm$/);
      const orgPage = await b.follow(
        new URL(
          /<a href="([^"]+)" class="button" id="done">/.exec(codes.text)![1].replace(/&amp;/g, '&'),
          codes.url,
        ),
      );
      assert.equal(
        new URL(orgPage.url).pathname,
        `/account/organizations/${owner.org}`,
        'lands on the organization',
      );

      const auth = await rp.authorize({
        scope: 'openid email',
        claims: JSON.stringify({ id_token: { email_verified: null } }),
      });
      const rpBrowser = new Browser();
      const challenge = await submitPassword(rpBrowser, await open(rpBrowser, auth), email, NEW_PASSWORD);
      const done = await submitCode(rpBrowser, challenge, await appCode(secret, 1));
      const claims = (await rp.callback(done.url, auth)).claims()!;
      assert.ok((claims.amr as string[]).includes('mfa'), `amr ${claims.amr}`);
      assert.equal(claims.email_verified, true, 'U5: the invitation verified the address');

      assert.equal((await new Browser().request(new URL(link))).status, 410, 'single use');
    });

    it('U2: revoke voids the link; resend issues a new link and voids the old one', async () => {
      const owner = await ownerPage(server, 'u2-owner2@example.test');
      const email = 'u2-resend@example.test';
      await invite(server, owner.b, owner.url, owner.page, email);
      const first = linkOf((await waitForMail(server, email, /invited to join/)).text)!;
      const [inv] = await server.services.sor.listOpenInvitations(owner.org);
      const listed = await owner.b.request(owner.url);
      const resent = await owner.b.request(
        new URL(`${owner.url.pathname}/${inv!.id}/resend`, server.issuer),
        {
          method: 'POST',
          form: { csrf: csrfOf(listed) },
        },
      );
      assert.equal(resent.status, 200);
      const links = (await mailsTo(server, email)).map((m) => linkOf(m.text));
      const second = links.at(-1)!;
      assert.notEqual(second, first);
      assert.equal((await new Browser().request(new URL(first))).status, 410, 'resend voids the old link');
      assert.equal((await new Browser().request(new URL(second))).status, 200, 'the new link works');
      const revoked = await owner.b.request(
        new URL(`${owner.url.pathname}/${inv!.id}/revoke`, server.issuer),
        {
          method: 'POST',
          form: { csrf: csrfOf(listed) },
        },
      );
      assert.equal(revoked.status, 200);
      assert.equal((await new Browser().request(new URL(second))).status, 410, 'revoke voids the link');
    });

    it('U2: an admin cannot invite an owner (403) but can invite a member', async () => {
      const owner = await ownerPage(server, 'u2-owner3@example.test');
      const admin = await ownerPage(server, 'u2-admin@example.test', 'admin', owner.org);
      assert.equal(
        (await invite(server, admin.b, admin.url, admin.page, 'u2-x@example.test', 'owner')).status,
        403,
      );
      assert.equal((await server.services.sor.listOpenInvitations(owner.org)).length, 0);
      assert.equal(
        (await invite(server, admin.b, admin.url, admin.page, 'u2-y@example.test', 'member')).status,
        200,
      );
    });

    it('U2: an existing user signs in to accept and gets the membership', async () => {
      const owner = await ownerPage(server, 'u2-owner4@example.test');
      const email = 'u2-existing@example.test';
      const userId = await server.createUser(email, PASSWORD);
      await invite(server, owner.b, owner.url, owner.page, email, 'admin');
      const link = linkOf((await waitForMail(server, email, /invited to join/)).text)!;
      const b = new Browser();
      const page = await b.request(new URL(link));
      assert.match(textOf(page.text), /already have an account/);
      const href = /href="(\/account\/login\?return_to=[^"]+)"/.exec(page.text)![1];
      const login = await b.follow(new URL(href, server.issuer));
      await b.submit(login, { email, password: PASSWORD }, /\/login$/);
      const m = (await server.services.sor.listMembershipsOfUser(userId)).find((x) => x.orgId === owner.org);
      assert.equal(m?.role, 'admin', 'the membership with the invited role');
      assert.equal((await new Browser().request(new URL(link))).status, 410, 'used up');
    });
  });

  describe(`U2 invitation expiry (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    before(async () => {
      server = await startTestServer(mode, { env: { INVITATION_TTL_SECONDS: '1' } });
    });
    after(() => server?.stop());

    it('U2: an expired link is refused (410) and creates no account', async () => {
      const owner = await ownerPage(server, 'u2-owner5@example.test');
      const email = 'u2-late@example.test';
      await invite(server, owner.b, owner.url, owner.page, email);
      const link = linkOf((await waitForMail(server, email, /invited to join/)).text)!;
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await new Browser().request(new URL(link))).status, 410);
      assert.equal(await server.services.sor.findUserByEmail(email), undefined);
    });
  });
}
