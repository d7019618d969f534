// V2 for passwords (L1): a per-account limit of L failed attempts checks at most L passwords, however
// many arrive at once, on both store modes; the right password is refused while the limit holds.
import assert from 'node:assert/strict';
import { Browser, textOf } from '../support/browser.ts';
import { burst, countStatuses } from '../support/burst.ts';
import { isCallback, open, RelyingParty } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const PER_ACCOUNT = 3;

for (const mode of STORE_MODES) {
  describe(`V2: password attempts under parallel requests (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    let rp: RelyingParty;
    before(async () => {
      server = await startTestServer(mode, {
        env: { LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: String(PER_ACCOUNT), LOGIN_MAX_ATTEMPTS_PER_IP: '1000' },
      });
      await server.createUser('race@example.test', PASSWORD);
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    it('V2, L1: 50 parallel wrong passwords for one account check at most 3 (401), the rest get 429; then the right one is refused', async () => {
      const browser = new Browser();
      const page = await open(browser, await rp.authorize({ prompt: 'login' }));
      const statuses = await burst(
        browser,
        page,
        /\/login$/,
        (i) => ({ email: 'race@example.test', password: `wrong password ${i}` }),
        50,
      );
      const counts = countStatuses(statuses);
      assert.ok((counts[401] ?? 0) <= PER_ACCOUNT, `checked ${counts[401]}: ${JSON.stringify(counts)}`);
      assert.ok((counts[401] ?? 0) >= 1, JSON.stringify(counts));
      assert.equal((counts[401] ?? 0) + (counts[429] ?? 0), 50, JSON.stringify(counts));
      const right = await browser.submit(
        page,
        { email: 'race@example.test', password: PASSWORD },
        /\/login$/,
        isCallback,
      );
      assert.equal(right.status, 429, textOf(right.text).slice(0, 200));
      assert.ok(textOf(right.text).includes('Too many sign-in attempts'));
    });
  });
}
