// L1: password attempts are rate-limited per account (failed attempts) and per IP (every attempt).
// Once a limit is reached even the right password is refused, with 429 and a clear message.
// The server trusts one proxy (TRUST_PROXY=true), so each scenario speaks from its own client IP.
import assert from 'node:assert/strict';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { isCallback, open, RelyingParty, signInWithPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const TOO_MANY = 'Too many sign-in attempts';

/** Posts e-mail + password from a sign-in page; returns the answer (the callback has status 0). */
async function attempt(browser: Browser, page: Page, email: string, password: string): Promise<Page> {
  return browser.submit(page, { email, password }, /\/login$/, isCallback);
}

/** A browser behind the load balancer: the balancer appends the client's address to X-Forwarded-For. */
class ClientAt extends Browser {
  readonly ip: string;
  constructor(ip: string) {
    super();
    this.ip = ip;
  }
  override request(url: string | URL, init: Parameters<Browser['request']>[1] = {}): Promise<Page> {
    const claimed = init.headers?.['x-forwarded-for'];
    const forwarded = claimed ? `${claimed}, ${this.ip}` : this.ip;
    return super.request(url, { ...init, headers: { ...init.headers, 'x-forwarded-for': forwarded } });
  }
}

function assertRefused(page: Page): void {
  assert.equal(page.status, 429, textOf(page.text).slice(0, 200));
  assert.ok(textOf(page.text).includes(TOO_MANY), textOf(page.text).slice(0, 300));
  assert.ok(Number(page.headers.get('retry-after')) > 0, 'a Retry-After header');
}

for (const mode of STORE_MODES) {
  describe(`L1: sign-in rate limits (${mode} stores)`, function () {
    this.timeout(30_000);
    let server: TestServer;
    let rp: RelyingParty;
    before(async () => {
      server = await startTestServer(mode, {
        env: { LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '3', LOGIN_MAX_ATTEMPTS_PER_IP: '5', TRUST_PROXY: 'true' },
      });
      for (const name of ['target', 'bystander', 'recovers', 'fresh']) {
        await server.createUser(`${name}@example.test`, PASSWORD);
      }
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    const signInPage = async (browser: Browser) => open(browser, await rp.authorize({ prompt: 'login' }));

    it('L1: after 3 failed attempts for an account the 4th is refused with 429, even with the right password', async () => {
      const browser = new ClientAt('10.0.0.1');
      const page = await signInPage(browser);
      for (let i = 1; i <= 3; i++) {
        const wrong = await attempt(browser, page, 'target@example.test', `wrong password ${i}`);
        assert.equal(wrong.status, 401, `attempt ${i} is an ordinary failure`);
      }
      assertRefused(await attempt(browser, page, 'target@example.test', PASSWORD));
      // The account is the key: not the spelling of the address, nor the browser, nor the IP.
      const elsewhere = new ClientAt('10.0.0.2');
      const fresh = await signInPage(elsewhere);
      assertRefused(await attempt(elsewhere, fresh, '  TARGET@Example.TEST ', PASSWORD));
      // Still no session: a silent authorization is refused.
      const silent = await open(browser, await rp.authorize({ prompt: 'none' }));
      assert.equal(new URL(silent.url).searchParams.get('error'), 'login_required');
    });

    it('L1: other accounts are unaffected', async () => {
      const { tokens } = await signInWithPassword(
        new ClientAt('10.0.0.3'),
        rp,
        'bystander@example.test',
        PASSWORD,
      );
      assert.deepEqual(tokens.claims()?.amr, ['pwd']);
    });

    it('L1: a successful sign-in resets the failed-attempt count', async () => {
      for (const ip of ['10.0.1.1', '10.0.1.2']) {
        const browser = new ClientAt(ip);
        const page = await signInPage(browser);
        for (let i = 0; i < 2; i++) {
          assert.equal((await attempt(browser, page, 'recovers@example.test', 'wrong')).status, 401);
        }
        const done = await attempt(browser, page, 'recovers@example.test', PASSWORD);
        assert.equal(done.status, 0, `from ${ip}: signed in (${textOf(done.text).slice(0, 100)})`);
      }
    });

    it('L1: the 6th attempt from one IP, across different accounts, is refused', async () => {
      const browser = new ClientAt('10.0.2.1');
      const page = await signInPage(browser);
      for (let i = 1; i <= 5; i++) {
        const wrong = await attempt(browser, page, `probe${i}@example.test`, 'guess');
        assert.equal(wrong.status, 401, `attempt ${i} is an ordinary failure`);
      }
      // An account never tried before, with its right password: the IP is what is limited.
      assertRefused(await attempt(browser, page, 'fresh@example.test', PASSWORD));
      // A client cannot pick its own address by sending X-Forwarded-For itself: the balancer
      // appends the real one, and that is the one counted.
      const forged = await browser.request(new URL(`${new URL(page.url).pathname}/login`, server.issuer), {
        form: { email: 'fresh@example.test', password: PASSWORD },
        headers: { 'x-forwarded-for': '198.51.100.77' },
      });
      assertRefused(forged);
      // The same account from another address signs in.
      const other = new ClientAt('10.0.2.2');
      const done = await attempt(other, await signInPage(other), 'fresh@example.test', PASSWORD);
      assert.equal(done.status, 0, textOf(done.text).slice(0, 200));
    });
  });
}
