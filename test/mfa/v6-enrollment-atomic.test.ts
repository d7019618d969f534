// V6: enrollment is atomic from the person's view — a method is active only if the person has seen
// (or can still see) its backup codes. Redis dies right after the system of record committed the
// app and its codes (a proxy in front of Redis cuts it on the first command that follows the
// commit): the page still shows the 4 codes, and once Redis is back the person finishes signing in.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { accountSignIn } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import {
  appCode,
  backupCodesFromPage,
  isEnrollment,
  isMfaChallenge,
  secretFromPage,
} from '../support/mfa.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { isCallback, open, RelyingParty, submitPassword } from '../support/rp.ts';
import { REDIS_URL, startTestServer, type TestServer } from '../support/server.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const PASSWORD = 'a long and correct password';
// The first command after the commit: deleting the pending secret of this enrollment.
const AFTER_COMMIT = /del\r\n\$\d+\r\n[^\r]*enroll:totp:/i;

for (const sor of ['PGlite', 'PostgreSQL'] as const) {
  describe(`V6: enrollment survives a Redis failure right after the commit (${sor} + Redis)`, function () {
    this.timeout(60_000);
    let db: TestDatabase | undefined;
    let proxy: TcpProxy;
    let server: TestServer;
    let rp: RelyingParty;

    before(async () => {
      const redis = new URL(REDIS_URL);
      proxy = await startTcpProxy(redis.hostname, Number(redis.port || 6379));
      redis.port = String(proxy.port);
      const env: Record<string, string> = {
        REDIS_URL: redis.href,
        REDIS_KEY_PREFIX: `deadbolt-test:${randomBytes(6).toString('hex')}:`,
      };
      if (sor === 'PostgreSQL') {
        db = await createTestDatabase();
        env.DATABASE_URL = db.url;
      }
      server = await startTestServer('embedded', { env });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(async () => {
      await server?.stop();
      await proxy?.close();
      await db?.drop();
    });

    async function redisBack(): Promise<void> {
      await proxy.resume();
      for (let i = 0; i < 50; i++) {
        if ((await fetch(new URL('/healthz', server.issuer))).status === 200) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('Redis did not come back');
    }

    it('V6, P5, T3: at sign-in the codes are shown although Redis fails after the commit; the sign-in then finishes with the app', async () => {
      const email = `signin-${sor}@example.test`;
      const userId = await server.createUser(email, PASSWORD, { plan: 'paid' });
      const browser = new Browser();
      const auth = await rp.authorize();
      const page = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
      assert.ok(isEnrollment(page));
      const secret = secretFromPage(page);

      const tripped = proxy.tripOn(AFTER_COMMIT);
      const codesPage = await browser.submit(page, { code: await appCode(secret) }, /confirm$/);
      await tripped;
      assert.equal(codesPage.status, 200, textOf(codesPage.text).slice(0, 200));
      const codes = backupCodesFromPage(codesPage);
      assert.equal(codes.length, 4, 'the person has the codes');
      assert.equal(
        (await server.services.sor.listFactors(userId)).length,
        5,
        'the app and its 4 codes are active',
      );

      await redisBack();
      const done = /<a href="([^"]+)" class="button" id="done">/.exec(codesPage.text)?.[1];
      assert.ok(done, 'a way forward');
      const next = await browser.follow(new URL(done.replace(/&amp;/g, '&'), codesPage.url), isCallback);
      const end = isMfaChallenge(next)
        ? await browser.submit(next, { code: await appCode(secret, 1) }, /verify$/, isCallback)
        : next;
      assert.equal(end.status, 0, textOf(end.text).slice(0, 200));
      const tokens = await rp.callback(end.url, auth);
      assert.ok((tokens.claims()!.amr as string[]).includes('mfa'));
    });

    it('V6, T3: on the settings page the codes are shown although Redis fails after the commit', async () => {
      const email = `settings-${sor}@example.test`;
      const userId = await server.createUser(email, PASSWORD, { plan: 'free' });
      const browser = new Browser();
      await accountSignIn(browser, server, email, PASSWORD);
      const qr = await browser.submit(
        await browser.request(new URL('/account/security/totp', server.issuer)),
        { password: PASSWORD },
        /reauth$/,
      );
      const secret = secretFromPage(qr);
      const tripped = proxy.tripOn(AFTER_COMMIT);
      const codesPage = await browser.submit(qr, { code: await appCode(secret) }, /confirm$/);
      await tripped;
      assert.equal(codesPage.status, 200, textOf(codesPage.text).slice(0, 200));
      assert.equal(backupCodesFromPage(codesPage).length, 4);
      assert.equal((await server.services.sor.listFactors(userId)).length, 5);
      await redisBack();
    });
  });
}
