// G4, X2: a store that fails while a remembered device is looked up or recorded never skips the
// second factor — the sign-in ends on the 503 page, no code reaches the relying party — and once
// the store is back the device works again. PostgreSQL and Redis sit behind TCP proxies that trip
// on exactly the device's query or key.
import assert from 'node:assert/strict';
import { giveTotp } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { type ProxiedServer, startProxiedServer } from '../support/proxied-server.ts';
import { endBrowserSession, signInWithCode } from '../support/remember.ts';
import { passwordStep, RelyingParty } from '../support/rp.ts';
import type { TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

describe('G4, X2: remembered devices fail closed (real stores behind TCP proxies)', function () {
  this.timeout(60_000);
  let stores: ProxiedServer;
  let server: TestServer;
  let rp: RelyingParty;
  let n = 0;

  before(async () => {
    stores = await startProxiedServer();
    server = stores.server;
    rp = await RelyingParty.discover(server.issuer);
  });
  after(() => stores?.stop());

  /** Waits until /healthz answers 200 again (the clients reconnect by themselves). */
  async function healthy(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if ((await fetch(new URL('/healthz', server.issuer))).status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the stores did not come back');
  }

  const faults = [
    { store: 'PostgreSQL', proxy: () => stores.pgProxy, at: /remembered_devices/ },
    { store: 'Redis', proxy: () => stores.redisProxy, at: /remember:session:/ },
  ] as const;

  for (const { store, proxy, at } of faults) {
    it(`G4, X2: ${store} failing at the device's lookup answers 503, never a code; afterwards the device works again`, async () => {
      const { sor } = server.services;
      const email = `g4-x2-${++n}@example.test`;
      const id = await server.createUser(email, PASSWORD, { plan: 'paid' });
      const [{ orgId }] = await sor.listMembershipsOfUser(id);
      await sor.updateOrg(orgId, { rememberDeviceDays: 7 });
      const who = { email, password: PASSWORD, secret: await giveTotp(server, id) };
      const browser = new Browser();
      await signInWithCode(browser, rp, who, { remember: true });
      endBrowserSession(browser);

      const tripped = proxy().tripOn(at);
      const { page } = await passwordStep(browser, rp, email, PASSWORD);
      await tripped;
      assert.notEqual(page.status, 0, 'no code for the relying party');
      assert.equal(page.status, 503, textOf(page.text).slice(0, 200));
      await proxy().resume();
      await healthy();

      endBrowserSession(browser);
      const after = await passwordStep(browser, rp, email, PASSWORD);
      assert.equal(after.page.status, 0, `remembered again: ${textOf(after.page.text).slice(0, 200)}`);
    });
  }
});
