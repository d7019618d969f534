// G6: with one backup code left (or none) the MFA challenge at sign-in and the security page say
// so and point to the T3 path (remove the app and add it again for new codes) — never a 5th code.
import assert from 'node:assert/strict';
import { accountSignIn, giveTotp } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { isMfaChallenge } from '../support/mfa.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const LOW = /You have 1 backup code left\. When it is gone, remove the authenticator app/;
const NONE =
  /You have no backup codes left\. Remove the authenticator app on the security page and add it again/;

for (const mode of STORE_MODES) {
  describe(`G6: few backup codes left (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    before(async () => {
      server = await startTestServer(mode);
    });
    after(() => server?.stop());

    async function userWith(name: string, codes: number) {
      const email = `${name}-${mode}@example.test`;
      const id = await server.createUser(email, PASSWORD, { plan: 'paid' });
      const secret = await giveTotp(server, id);
      for (let i = 0; i < codes; i++)
        await server.services.sor.insertFactor({ userId: id, type: 'backup_code', codeHash: `unused-${i}` });
      return { email, secret };
    }

    for (const [codes, pattern] of [
      [1, LOW],
      [0, NONE],
    ] as const) {
      it(`G6: ${codes} backup code(s) left — the sign-in challenge and the security page say so`, async () => {
        const { email, secret } = await userWith(`g6-${codes}`, codes);
        const rp = await RelyingParty.discover(server.issuer);
        const b = new Browser();
        const challenge = await submitPassword(b, await open(b, await rp.authorize()), email, PASSWORD);
        assert.ok(isMfaChallenge(challenge));
        assert.match(textOf(challenge.text), pattern);
        const security = await accountSignIn(new Browser(), server, email, PASSWORD, secret);
        assert.match(textOf(security.text), pattern);
      });
    }

    it('G6: with 2 backup codes left there is no such warning', async () => {
      const { email } = await userWith('g6-2', 2);
      const rp = await RelyingParty.discover(server.issuer);
      const b = new Browser();
      const challenge = await submitPassword(b, await open(b, await rp.authorize()), email, PASSWORD);
      assert.ok(isMfaChallenge(challenge));
      assert.doesNotMatch(textOf(challenge.text), /backup codes? left\. /);
    });
  });
}
