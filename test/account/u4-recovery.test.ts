// U4: password recovery never signs in and never lowers MFA; no enumeration; single-use links.
import assert from 'node:assert/strict';
import { checkPassword } from '../../src/account/credentials.ts';
import { giveTotp } from '../support/account.ts';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { mailsTo, waitForMail } from '../support/mail.ts';
import { appCode, isMfaChallenge, submitCode } from '../support/mfa.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const OLD = 'the old long passphrase';
const NEW = 'violet harbour gravel seventeen';

for (const mode of STORE_MODES) {
  describe(`U4 password recovery (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    const url = (path: string) => new URL(path, server.issuer);
    before(async () => {
      server = await startTestServer(mode, {
        env: { MAIL_MAX_SENDS_PER_IP: '1000', MAIL_MAX_SENDS_PER_ADDRESS: '100' },
      });
    });
    after(() => server?.stop());

    const ask = async (email: string): Promise<Page> => {
      const b = new Browser();
      return b.submit(await b.request(url('/recover')), { email }, /\/recover$/);
    };
    const linkIn = (text: string) => {
      const m = /(http:\/\/\S+\/recover\/reset\?token=[\w-]+)/.exec(text);
      assert.ok(m, 'a recovery link');
      return m[1];
    };
    const latestLink = async (email: string, count: number) => {
      for (let i = 0; i < 100 && (await mailsTo(server, email)).length < count; i++)
        await new Promise((r) => setTimeout(r, 50));
      const mails = await mailsTo(server, email);
      return linkIn(mails[mails.length - 1].text);
    };
    const signIn = async (email: string, password: string) => {
      const b = new Browser();
      const rp = await RelyingParty.discover(server.issuer);
      const login = await open(b, await rp.authorize());
      return submitPassword(b, login, email, password);
    };

    it('U4, V3, V7: a user with MFA cannot finish without the second factor; the reset yields no session, and the RP sign-in asks password then the app', async () => {
      const email = 'u4-mfa@example.test';
      const id = await server.createUser(email, OLD, { plan: 'paid' });
      const secret = await giveTotp(server, id);
      const sent = await ask(email);
      assert.equal(sent.status, 200);
      const link = await latestLink(email, 1);
      const b = new Browser();
      const page = await b.request(new URL(link));
      assert.equal(page.status, 200);
      assert.match(page.text, /name="code"/, 'the second factor is asked before the password changes');
      const noCode = await b.submit(page, { password: NEW, code: '000000' }, /reset$/);
      assert.equal(noCode.status, 401);
      assert.ok(await checkPassword(server.services.sor, email, OLD), 'nothing changed without the factor');
      const done = await b.submit(page, { password: NEW, code: await appCode(secret, 1) }, /reset$/);
      assert.equal(done.status, 200, textOf(done.text).slice(0, 200));
      assert.match(textOf(done.text), /Your password was reset/);
      assert.equal((await b.request(url('/account/security'))).status, 303, 'the reset signed nobody in');
      assert.equal((await signIn(email, OLD)).status, 401, 'the old password is refused');
      const next = await signIn(email, NEW);
      assert.ok(isMfaChallenge(next), 'password, then the second factor, exactly as before');
      assert.equal((await b.request(new URL(link))).status, 410, 'the link works once');
      const notice = await waitForMail(server, email, /Your password was reset/);
      assert.doesNotMatch(notice.text, /token=/);
    });

    it('X6, U4: a second factor from a time step already used is refused as used, and the password stays', async () => {
      const email = 'u4-reused@example.test';
      const id = await server.createUser(email, OLD, { plan: 'paid' });
      const secret = await giveTotp(server, id);
      const signer = new Browser();
      const rp = await RelyingParty.discover(server.issuer);
      const challenge = await submitPassword(signer, await open(signer, await rp.authorize()), email, OLD);
      assert.ok(isMfaChallenge(challenge));
      const used = await appCode(secret, 0);
      await submitCode(signer, challenge, used); // this time step is now spent
      await ask(email);
      const b = new Browser();
      const page = await b.request(new URL(await latestLink(email, 1)));
      const res = await b.submit(page, { password: NEW, code: used }, /reset$/);
      assert.equal(res.status, 401);
      assert.match(textOf(res.text), /This code was just used — wait for the next one in your app/);
      assert.ok(await checkPassword(server.services.sor, email, OLD), 'nothing changed');
    });

    it('U4: no enumeration — same page and status for known and unknown addresses, median time within a few ms over 30 tries', async () => {
      const known = 'u4-known@example.test';
      await server.createUser(known, OLD, { plan: 'free' });
      const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
      const bodies = new Set<string>();
      for (let i = 0; i < 30; i++) {
        for (const kind of ['known', 'unknown'] as const) {
          const start = process.hrtime.bigint();
          const res = await ask(kind === 'known' ? known : `nobody-${i}@example.test`);
          times[kind].push(Number(process.hrtime.bigint() - start) / 1e6);
          assert.equal(res.status, 200);
          bodies.add(textOf(res.text));
        }
      }
      assert.equal(bodies.size, 1, 'one answer for every address');
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const diff = Math.abs(median(times.known) - median(times.unknown));
      assert.ok(diff < 5, `median difference ${diff.toFixed(2)} ms`);
    });

    it('U4: a newer link invalidates the older one, and a successful sign-in invalidates the link', async () => {
      const email = 'u4-newer@example.test';
      await server.createUser(email, OLD, { plan: 'free' });
      await ask(email);
      const first = await latestLink(email, 1);
      await ask(email);
      const second = await latestLink(email, 2);
      const b = new Browser();
      assert.equal((await b.request(new URL(first))).status, 410);
      assert.equal((await b.request(new URL(second))).status, 200);
      assert.equal((await signIn(email, OLD)).status, 0, 'a successful sign-in (the callback)');
      assert.equal((await b.request(new URL(second))).status, 410);
    });

    it('U4: a member of an SSO-enforced organization is told to use SSO, and gets no link', async () => {
      const email = 'u4-sso@example.test';
      const id = await server.createUser(email, OLD, { plan: 'paid' });
      const [m] = await server.services.sor.listMembershipsOfUser(id);
      await server.services.sor.updateOrg(m.orgId, { ssoEnforced: true });
      assert.equal((await ask(email)).status, 200);
      const mail = await waitForMail(server, email, /SSO/);
      assert.match(mail.text, /single sign-on \(SSO\)/);
      assert.doesNotMatch(mail.text, /token=/);
    });
  });
}

describe('U4 recovery links expire (embedded stores)', function () {
  this.timeout(60_000);
  it('U4: a link past RECOVERY_LINK_TTL_SECONDS no longer works', async () => {
    const server = await startTestServer('embedded', { env: { RECOVERY_LINK_TTL_SECONDS: '1' } });
    try {
      const email = 'u4-ttl@example.test';
      await server.createUser(email, OLD, { plan: 'free' });
      const b = new Browser();
      await b.submit(await b.request(new URL('/recover', server.issuer)), { email }, /\/recover$/);
      const mail = await waitForMail(server, email, /Reset your Deadbolt password/);
      const link = /(http:\/\/\S+\/recover\/reset\?token=[\w-]+)/.exec(mail.text)?.[1] ?? '';
      await new Promise((r) => setTimeout(r, 2100));
      assert.equal((await b.request(new URL(link))).status, 410);
    } finally {
      await server.stop();
    }
  });
});
