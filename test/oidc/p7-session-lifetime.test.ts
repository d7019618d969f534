// P7: a session that completed MFA is trusted longer than a password-only one (the article: with MFA
// on, you are asked for credentials less often); both lifetimes are configuration. The session the
// browser holds is read back from the store, where its expiry decides when the person signs in again.
import assert from 'node:assert/strict';
import { giveTotp } from '../support/account.ts';
import { Browser } from '../support/browser.ts';
import { appCode, isMfaChallenge, submitCode } from '../support/mfa.ts';
import { open, RelyingParty, signInWithPassword, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const PASSWORD_TTL = 600;
const MFA_TTL = 7200;

for (const mode of STORE_MODES) {
  describe(`P7: session lifetimes (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let rp: RelyingParty;

    before(async () => {
      server = await startTestServer(mode, {
        env: { SESSION_TTL_PASSWORD_SECONDS: String(PASSWORD_TTL), SESSION_TTL_MFA_SECONDS: String(MFA_TTL) },
      });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    /** Seconds the browser's provider session has left, as stored. */
    async function sessionLeft(browser: Browser): Promise<number> {
      const name = server.provider.cookieName('session');
      const cookie = [...browser.jar.values()].find((c) => c.name === name);
      assert.ok(cookie, 'the browser holds a session cookie');
      const session = await server.provider.Session.find(cookie.value);
      assert.ok(session?.accountId, 'the session is stored');
      return session.exp - Math.floor(Date.now() / 1000);
    }

    it('P7: a password-only session lives SESSION_TTL_PASSWORD_SECONDS, an MFA session SESSION_TTL_MFA_SECONDS', async () => {
      await server.createUser('pwd-only@example.test', PASSWORD, { plan: 'free' });
      const plain = new Browser();
      const { tokens } = await signInWithPassword(plain, rp, 'pwd-only@example.test', PASSWORD);
      assert.deepEqual(tokens.claims()?.amr, ['pwd']);
      const plainLeft = await sessionLeft(plain);
      assert.ok(Math.abs(plainLeft - PASSWORD_TTL) <= 5, `password-only: ${plainLeft} s left`);

      const id = await server.createUser('with-app@example.test', PASSWORD, { plan: 'free' });
      const secret = await giveTotp(server, id);
      const strong = new Browser();
      const auth = await rp.authorize();
      const challenge = await submitPassword(
        strong,
        await open(strong, auth),
        'with-app@example.test',
        PASSWORD,
      );
      assert.ok(isMfaChallenge(challenge));
      const done = await submitCode(strong, challenge, await appCode(secret));
      const mfaTokens = await rp.callback(done.url, auth);
      assert.ok((mfaTokens.claims()!.amr as string[]).includes('mfa'));
      const strongLeft = await sessionLeft(strong);
      assert.ok(Math.abs(strongLeft - MFA_TTL) <= 5, `MFA: ${strongLeft} s left`);
      assert.ok(strongLeft > plainLeft, 'the MFA session is trusted longer');
    });
  });
}
