// U3: password change on the security page — current password + second factor, weak passwords
// refused, other sessions end (V3), the user is told by mail (U6).
import assert from 'node:assert/strict';
import { accountSignIn, giveTotp } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { mailsTo, waitForMail } from '../support/mail.ts';
import { appCode, isMfaChallenge } from '../support/mfa.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const OLD = 'the old long passphrase';
const NEW = 'violet harbour gravel seventeen';

for (const mode of STORE_MODES) {
  describe(`U3 password change (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    const url = (path: string) => new URL(path, server.issuer);
    before(async () => {
      server = await startTestServer(mode);
    });
    after(() => server?.stop());

    const signInWith = async (email: string, password: string) => {
      const b = new Browser();
      const page = await b.follow(url('/account/login'));
      return b.submit(page, { email, password }, /\/login$/);
    };

    it('U3, V3, U6: current password + app code → old password refused, new one works (MFA still asked), other sessions ended, a notice mailed', async () => {
      const email = 'u3@example.test';
      const id = await server.createUser(email, OLD, { plan: 'free' });
      const secret = await giveTotp(server, id);
      const other = new Browser();
      await accountSignIn(other, server, email, OLD, secret, -1); // another session of the user
      const me = new Browser();
      await accountSignIn(me, server, email, OLD, secret, 0);
      assert.equal((await other.request(url('/account/security'))).status, 200);

      const form = await me.request(url('/account/security/password'));
      assert.match(form.text, /name="code"/, 'a second factor is asked for');
      const wrongCode = await me.submit(form, { current: OLD, new: NEW, code: '000000' }, /password$/);
      assert.equal(wrongCode.status, 401);
      assert.equal((await signInWith(email, NEW)).status, 401, 'nothing changed without the second factor');

      const done = await me.submit(
        form,
        { current: OLD, new: NEW, code: await appCode(secret, 1) },
        /password$/,
      );
      assert.equal(done.status, 200, textOf(done.text).slice(0, 300));
      assert.match(textOf(done.text), /Your password was changed/);
      assert.equal((await signInWith(email, OLD)).status, 401, 'the old password is refused');
      assert.ok(
        isMfaChallenge(await signInWith(email, NEW)),
        'the new password works, then the app is asked',
      );
      assert.equal((await other.request(url('/account/security'))).status, 303, 'the other session ended');
      assert.equal((await me.request(url('/account/security'))).status, 200, 'this session stays');

      const mail = await waitForMail(server, email, /Your password was changed/);
      assert.match(mail.text, /If you did not change it/);
      assert.match(mail.text, /IP address: /);
      assert.doesNotMatch(mail.text + mail.html, new RegExp(`${OLD}|${NEW}`));
    });

    it('X6, U3: an app code from a time step already used is refused as used, not as a typo, and nothing changes', async () => {
      const email = 'u3-reused@example.test';
      const id = await server.createUser(email, OLD, { plan: 'free' });
      const secret = await giveTotp(server, id);
      const me = new Browser();
      await accountSignIn(me, server, email, OLD, secret, 0); // the sign-in used this time step
      const form = await me.request(url('/account/security/password'));
      const res = await me.submit(
        form,
        { current: OLD, new: NEW, code: await appCode(secret, 0) },
        /password$/,
      );
      assert.equal(res.status, 401);
      assert.match(textOf(res.text), /This code was just used — wait for the next one in your app/);
      assert.doesNotMatch(textOf(res.text), /is incorrect/);
      assert.equal((await signInWith(email, NEW)).status, 401, 'the password stays as it was');
    });

    it('U3: a wrong current password changes nothing', async () => {
      const email = 'u3-wrong@example.test';
      await server.createUser(email, OLD, { plan: 'free' });
      const me = new Browser();
      await accountSignIn(me, server, email, OLD);
      const form = await me.request(url('/account/security/password'));
      assert.doesNotMatch(form.text, /name="code"/, 'no second factor to ask for');
      const res = await me.submit(form, { current: 'not the password', new: NEW }, /password$/);
      assert.equal(res.status, 401);
      assert.match(textOf(res.text), /current password is not correct/);
      assert.equal((await signInWith(email, NEW)).status, 401);
      assert.equal((await mailsTo(server, email)).length, 0);
    });

    it('U3: short, common and e-mail-like passwords are refused with a clear message; 64+ characters and no symbols are fine', async () => {
      const email = 'carol.jones@example.test';
      await server.createUser(email, OLD, { plan: 'free' });
      const me = new Browser();
      await accountSignIn(me, server, email, OLD);
      const form = await me.request(url('/account/security/password'));
      const cases: [string, RegExp][] = [
        ['short1', /at least 8 characters/],
        ['password123', /too common/],
        ['iloveyou', /too common/],
        ['Qwertyuiop', /too common/],
        ['carol.jones2026', /e-mail address/],
        ['x'.repeat(1025), /at most 1024 characters/],
      ];
      for (const [pw, message] of cases) {
        const res = await me.submit(form, { current: OLD, new: pw }, /password$/);
        assert.equal(res.status, 400, pw);
        assert.match(textOf(res.text), message, pw);
      }
      const long = 'a sentence long enough to pass every rule and then some more words'.slice(0, 70);
      const ok = await me.submit(form, { current: OLD, new: long }, /password$/);
      assert.equal(ok.status, 200);
      assert.equal((await signInWith(email, long)).status, 200);
    });
  });
}
