// One contract for the system of record, run against embedded PGlite, a real PostgreSQL, and (Z2)
// that PostgreSQL through a PgBouncer in transaction pooling mode that the suite starts itself.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { ConflictError, type SystemOfRecord } from '../../src/store/ports.ts';
import type { Plan, Role, User } from '../../src/store/records.ts';
import { createPostgresStore, KyselySystemOfRecord } from '../../src/store/sor/index.ts';
import { createPgliteStore } from '../../src/store/sor/pglite.ts';
import { startPgBouncer } from '../support/pgbouncer.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { userBundleContract } from './sor.contract.bundle.ts';
import { rememberedDeviceContract } from './sor.contract.devices.ts';
import { type ContractContext, factorAndAuditContract } from './sor.contract.factors.ts';
import { passkeyContract } from './sor.contract.passkeys.ts';

interface Harness {
  store: SystemOfRecord;
  /** The store's `kind` when it differs from the suite's name. */
  kind?: string;
  dispose(): Promise<void>;
}

/** Raw SQL behind the port's back: resetting between tests and proving the database's own rules. */
async function rawSql(store: SystemOfRecord, query: string): Promise<void> {
  assert.ok(store instanceof KyselySystemOfRecord);
  await sql.raw(query).execute(store.db);
}

const email = (): string => `user-${randomUUID()}@example.test`;

function sorContract(name: string, factory: () => Promise<Harness>): void {
  describe(`SystemOfRecord contract: ${name}`, function () {
    this.timeout(30_000);
    let h: Harness;
    let store: SystemOfRecord;
    const newUser = (): Promise<User> => store.createUser({ email: email(), passwordHash: 'argon2-hash' });
    const newOrg = (plan: Plan = 'free') => store.createOrg({ name: `org ${randomUUID()}`, plan });
    const ctx: ContractContext = {
      get store() {
        return store;
      },
      newUser,
      newOrg,
      rawSql: (query) => rawSql(store, query),
    };

    before(async () => {
      h = await factory();
      store = h.store;
      await store.migrate();
    });
    after(() => h?.dispose());
    // Audit events are append-only even for TRUNCATE; their tests use fresh org and user ids.
    beforeEach(() => rawSql(store, 'truncate users, organizations cascade'));

    it('migrate is idempotent and ping answers', async () => {
      await store.migrate();
      await store.ping();
      assert.equal(store.kind, h.kind ?? name);
    });

    it('users: created with a trimmed e-mail and found by id or by e-mail in any case (SPEC Domain)', async () => {
      const u = await store.createUser({ email: '  Alice@Example.COM ', passwordHash: 'h1' });
      assert.equal(u.email, 'Alice@Example.COM');
      assert.equal(u.passwordHash, 'h1');
      assert.ok(u.createdAt instanceof Date);
      assert.deepEqual(await store.findUserById(u.id), u);
      assert.deepEqual(await store.findUserByEmail('alice@example.com'), u);
      assert.deepEqual(await store.findUserByEmail(' ALICE@EXAMPLE.COM'), u);
      assert.equal(await store.findUserByEmail('bob@example.com'), undefined);
      assert.equal(await store.findUserById(randomUUID()), undefined);
      assert.equal(await store.findUserById('not-a-uuid'), undefined);
    });

    it('users: e-mail is unique case-insensitively (SPEC Domain)', async () => {
      await store.createUser({ email: 'carol@example.com', passwordHash: 'h' });
      await assert.rejects(
        store.createUser({ email: 'CAROL@example.com', passwordHash: 'h' }),
        ConflictError,
      );
      await assert.rejects(
        store.createUser({ email: ' carol@EXAMPLE.com ', passwordHash: 'h' }),
        ConflictError,
      );
      assert.equal((await store.listUsers()).length, 1);
    });

    it('users: listed oldest first; the password hash can be changed', async () => {
      const a = await newUser();
      const b = await newUser();
      assert.deepEqual((await store.listUsers()).map((u) => u.id).sort(), [a.id, b.id].sort());
      await store.setPasswordHash(a.id, 'new-hash');
      assert.equal((await store.findUserById(a.id))?.passwordHash, 'new-hash');
      assert.equal((await store.findUserById(b.id))?.passwordHash, 'argon2-hash');
    });

    it('organizations: created with defaults, found, listed and patched (SSO settings round-trip)', async () => {
      const org = await store.createOrg({ name: 'Acme', plan: 'paid', requireMfaForAllUsers: true });
      assert.deepEqual(
        { ...org, id: '', createdAt: null },
        {
          id: '',
          name: 'Acme',
          plan: 'paid',
          requireMfaForAllUsers: true,
          ssoEnforced: false,
          sso: null,
          // G2, G3: no enforcement date, every method allowed; G4: no device remembered.
          mfaEnforcedFrom: null,
          allowedMethods: null,
          rememberDeviceDays: 0,
          smsDefaultCountry: null,
          createdAt: null,
        },
      );
      assert.equal((await newOrg()).requireMfaForAllUsers, false);
      assert.deepEqual(await store.findOrgById(org.id), org);
      assert.equal((await store.listOrgs()).length, 2);
      const sso = {
        issuer: 'https://idp.example.com',
        clientId: 'deadbolt',
        clientSecretEnc: 'k1.iv.ct.tag',
        scopes: 'openid email',
        domains: ['example.com', 'example.org'],
        trustUpstreamMfaOnly: false,
      };
      const patched = await store.updateOrg(org.id, { name: 'Acme Inc', ssoEnforced: true, sso });
      assert.deepEqual(patched, { ...org, name: 'Acme Inc', ssoEnforced: true, sso });
      assert.deepEqual(await store.findOrgById(org.id), patched);
      const cleared = await store.updateOrg(org.id, {
        sso: null,
        plan: 'free',
        requireMfaForAllUsers: false,
      });
      assert.deepEqual(cleared, {
        ...org,
        name: 'Acme Inc',
        ssoEnforced: true,
        plan: 'free',
        requireMfaForAllUsers: false,
      });
      assert.deepEqual(await store.updateOrg(org.id, {}), cleared);
      assert.equal(await store.updateOrg(randomUUID(), { name: 'x' }), undefined);
      assert.equal(await store.findOrgById('nope'), undefined);
    });

    it('the database refuses an unknown plan, role or factor type', async () => {
      const u = await newUser();
      const org = await newOrg();
      await assert.rejects(store.createOrg({ name: 'x', plan: 'gold' as Plan }));
      await assert.rejects(store.setMembership(u.id, org.id, 'root' as Role));
      await assert.rejects(store.insertFactor({ userId: u.id, type: 'email' as 'sms' }));
    });

    it('memberships: upserted, listed with their organisation or user, and removed', async () => {
      const [alice, bob] = [await newUser(), await newUser()];
      const [acme, globex] = [await newOrg('paid'), await newOrg()];
      await store.setMembership(alice.id, acme.id, 'member');
      await store.setMembership(alice.id, acme.id, 'owner'); // changes the role, no duplicate
      await store.setMembership(alice.id, globex.id, 'member');
      await store.setMembership(bob.id, acme.id, 'admin');

      const ofAlice = await store.listMembershipsOfUser(alice.id);
      assert.deepEqual(
        ofAlice.map((m) => [m.orgId, m.role]).sort(),
        [
          [acme.id, 'owner'],
          [globex.id, 'member'],
        ].sort(),
      );
      const m = ofAlice.find((x) => x.orgId === acme.id)!;
      assert.equal(m.userId, alice.id);
      assert.ok(m.createdAt instanceof Date);
      assert.deepEqual(m.org, acme);

      const ofAcme = await store.listMembersOfOrg(acme.id);
      assert.deepEqual(
        ofAcme.map((x) => [x.user.email, x.role]).sort(),
        [
          [alice.email, 'owner'],
          [bob.email, 'admin'],
        ].sort(),
      );
      assert.deepEqual(ofAcme.find((x) => x.userId === bob.id)?.user, bob);

      assert.equal(await store.removeMembership(alice.id, acme.id), true);
      assert.equal(await store.removeMembership(alice.id, acme.id), false);
      assert.deepEqual(
        (await store.listMembershipsOfUser(alice.id)).map((x) => x.orgId),
        [globex.id],
      );
      assert.deepEqual(await store.listMembersOfOrg(randomUUID()), []);
    });

    factorAndAuditContract(ctx);
    rememberedDeviceContract(ctx); // G4
    passkeyContract(ctx); // W1, W4, W7
    userBundleContract(ctx); // issue 18

    it('deleting a user removes their factors and memberships; deleting an org its memberships', async () => {
      const [a, b] = [await newUser(), await newUser()];
      const org = await newOrg();
      await store.setMembership(a.id, org.id, 'owner');
      await store.setMembership(b.id, org.id, 'member');
      await store.insertFactor({ userId: a.id, type: 'totp', secretEnc: 's' });
      await rawSql(store, `delete from users where id = '${a.id}'`);
      assert.deepEqual(await store.listFactors(a.id), []);
      assert.deepEqual(
        (await store.listMembersOfOrg(org.id)).map((m) => m.userId),
        [b.id],
      );
      await rawSql(store, `delete from organizations where id = '${org.id}'`);
      assert.deepEqual(await store.listMembershipsOfUser(b.id), []);
      assert.ok(await store.findUserById(b.id));
    });

    it('transaction: commits together; sees its own writes', async () => {
      const addr = email();
      const org = await store.transaction(async (tx) => {
        const u = await tx.createUser({ email: addr, passwordHash: 'h' });
        assert.equal((await tx.findUserByEmail(addr))?.id, u.id);
        const o = await tx.createOrg({ name: 'Tx', plan: 'free' });
        await tx.setMembership(u.id, o.id, 'owner');
        return o;
      });
      assert.equal((await store.listMembersOfOrg(org.id))[0]?.user.email, addr);
    });

    it('transaction: a throw rolls back every write and surfaces unchanged', async () => {
      const addr = email();
      const boom = new Error('boom');
      await assert.rejects(
        store.transaction(async (tx) => {
          const u = await tx.createUser({ email: addr, passwordHash: 'h' });
          await tx.transaction((inner) => inner.insertFactor({ userId: u.id, type: 'totp', secretEnc: 's' }));
          throw boom;
        }),
        (err) => err === boom,
      );
      assert.equal(await store.findUserByEmail(addr), undefined);
      assert.deepEqual(await store.listFactorsWithSecrets(), []);
      const taken = await newUser();
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.createOrg({ name: 'lost', plan: 'free' });
          await tx.createUser({ email: taken.email, passwordHash: 'h' });
        }),
        ConflictError,
      );
      assert.deepEqual(await store.listOrgs(), []);
    });

    it('transaction: writes made outside it meanwhile are not rolled back with it', async () => {
      const [inside, outside] = [email(), email()];
      let began!: () => void;
      const begun = new Promise<void>((resolve) => (began = resolve));
      const tx = store.transaction(async (t) => {
        await t.createUser({ email: inside, passwordHash: 'h' });
        began();
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error('rollback');
      });
      await begun;
      const other = store.createUser({ email: outside, passwordHash: 'h' });
      await assert.rejects(tx, /rollback/);
      await other;
      assert.equal(await store.findUserByEmail(inside), undefined);
      assert.ok(await store.findUserByEmail(outside));
    });
  });
}

sorContract('pglite', async () => {
  const store = await createPgliteStore(undefined);
  return { store, dispose: () => store.close() };
});

sorContract('postgres', async () => {
  const database = await createTestDatabase();
  const store = createPostgresStore(database.url, { max: 4 });
  return {
    store,
    dispose: async () => {
      await store.close();
      await database.drop();
    },
  };
});

// Z2: transaction pooling hands each transaction (or lone statement) to any server connection, so
// nothing may rely on session state; a pool of 2 server connections for 8 clients mixes them.
sorContract('Z2: postgres through pgbouncer (pool_mode = transaction)', async () => {
  const database = await createTestDatabase();
  const bouncer = await startPgBouncer({ size: 2 });
  const store = createPostgresStore(bouncer.via(database.url), { max: 8 });
  return {
    store,
    kind: 'postgres',
    dispose: async () => {
      await store.close();
      await bouncer.stop();
      await database.drop();
    },
  };
});
