// Z2: Deadbolt on PostgreSQL through a PgBouncer in transaction pooling mode (started by the test):
// instances starting together migrate one fresh database safely (Kysely's Migrator takes a
// transaction-level advisory lock inside its transaction, which transaction pooling keeps on one
// server connection), and a sign-in with MFA works end to end.
import assert from 'node:assert/strict';
import { openSystemOfRecord } from '../../src/store/sor/index.ts';
import { giveTotp } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { appCode, isMfaChallenge, submitCode } from '../support/mfa.ts';
import { type PgBouncer, startPgBouncer } from '../support/pgbouncer.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

describe('Z2: PostgreSQL through PgBouncer (pool_mode = transaction)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let bouncer: PgBouncer;
  let server: TestServer | undefined;

  before(async () => {
    db = await createTestDatabase();
    bouncer = await startPgBouncer({ size: 3 });
  });
  after(async () => {
    await server?.stop();
    await bouncer?.stop();
    await db?.drop();
  });

  it('Z2: six instances starting at once migrate one fresh database through PgBouncer, each ready', async () => {
    const stores = await Promise.all(
      Array.from({ length: 6 }, () =>
        openSystemOfRecord({ databaseUrl: bouncer.via(db.url), dataDir: ':memory:', pool: { max: 2 } }),
      ),
    );
    try {
      const user = await stores[0]!.createUser({ email: 'first@example.test', passwordHash: 'h' });
      for (const store of stores)
        assert.equal((await store.findUserById(user.id))?.email, 'first@example.test');
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('Z2: a paid-plan user signs in with the app through PgBouncer and gets amr pwd+otp+mfa', async () => {
    server = await startTestServer('real', {
      env: { DATABASE_URL: bouncer.via(db.url), DATABASE_POOL_SIZE: '8' },
    });
    const userId = await server.createUser('paid@example.test', PASSWORD, { plan: 'paid', requireMfa: true });
    const secret = await giveTotp(server, userId);
    const rp = await RelyingParty.discover(server.issuer);
    const browser = new Browser();
    const auth = await rp.authorize();
    const challenge = await submitPassword(browser, await open(browser, auth), 'paid@example.test', PASSWORD);
    assert.ok(isMfaChallenge(challenge), textOf(challenge.text).slice(0, 200));
    const done = await submitCode(browser, challenge, await appCode(secret));
    assert.equal(done.status, 0, textOf(done.text).slice(0, 200));
    const tokens = await rp.callback(done.url, auth);
    assert.deepEqual(tokens.claims()?.amr, ['pwd', 'otp', 'mfa']);
    assert.ok(tokens.refresh_token, 'a refresh token');
  });
});
