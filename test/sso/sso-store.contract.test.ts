// The SSO part of the SystemOfRecord contract (F1), against embedded PGlite and a real PostgreSQL:
// home-realm discovery by e-mail domain, and links of upstream subjects to users.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ConflictError, type SystemOfRecord } from '../../src/store/ports.ts';
import type { SsoSettings } from '../../src/store/records.ts';
import { createPostgresStore } from '../../src/store/sor/index.ts';
import { createPgliteStore } from '../../src/store/sor/pglite.ts';
import { createTestDatabase } from '../support/postgres.ts';

const settings = (domains: string[]): SsoSettings => ({
  issuer: 'https://idp.example',
  clientId: 'deadbolt',
  clientSecretEnc: null,
  scopes: 'openid email',
  domains,
  trustUpstreamMfaOnly: false,
});

function ssoContract(
  name: string,
  factory: () => Promise<{ store: SystemOfRecord; dispose(): Promise<void> }>,
) {
  describe(`SystemOfRecord SSO contract: ${name}`, function () {
    this.timeout(30_000);
    let store: SystemOfRecord;
    let dispose: () => Promise<void>;
    const tag = () => randomUUID().slice(0, 8);
    const newUser = () => store.createUser({ email: `u-${randomUUID()}@example.test`, passwordHash: 'h' });

    before(async () => {
      ({ store, dispose } = await factory());
      await store.migrate();
    });
    after(() => dispose?.());

    it('F1: findOrgsBySsoDomain finds the connections covering a domain, in any case, and nothing else', async () => {
      const t = tag();
      const a = await store.createOrg({ name: 'A', plan: 'free' });
      const b = await store.createOrg({ name: 'B', plan: 'paid' });
      await store.createOrg({ name: 'no sso', plan: 'free' });
      await store.updateOrg(a.id, { sso: settings([`a-${t}.test`, `shared-${t}.test`]), ssoEnforced: true });
      await store.updateOrg(b.id, { sso: settings([`shared-${t}.test`]) });
      const byA = await store.findOrgsBySsoDomain(`A-${t}.TEST`);
      assert.deepEqual(
        byA.map((o) => o.id),
        [a.id],
      );
      assert.equal(byA[0].ssoEnforced, true);
      assert.deepEqual(byA[0].sso?.domains, [`a-${t}.test`, `shared-${t}.test`]);
      assert.deepEqual(
        (await store.findOrgsBySsoDomain(`shared-${t}.test`)).map((o) => o.id).sort(),
        [a.id, b.id].sort(),
      );
      assert.deepEqual(await store.findOrgsBySsoDomain(`other-${t}.test`), []);
      assert.deepEqual(await store.findOrgsBySsoDomain(''), []);
      assert.deepEqual(await store.findOrgsBySsoDomain(`"a-${t}.test"`), [], 'no JSON injection');
      await store.updateOrg(a.id, { sso: null });
      assert.deepEqual(await store.findOrgsBySsoDomain(`a-${t}.test`), []);
    });

    it('F1: an upstream subject links once; a user once per organization; the links of an organization can be removed', async () => {
      const org = await store.createOrg({ name: 'O', plan: 'free' });
      const other = await store.createOrg({ name: 'P', plan: 'free' });
      const [u1, u2] = [await newUser(), await newUser()];
      const sub = `sub-${tag()}`;
      const link = await store.createSsoLink({
        issuer: 'https://idp',
        subject: sub,
        orgId: org.id,
        userId: u1.id,
      });
      assert.equal(link.orgId, org.id);
      assert.ok(link.createdAt instanceof Date);
      assert.deepEqual(await store.findSsoLink('https://idp', sub), link);
      assert.equal(await store.findSsoLink('https://other', sub), undefined, 'issuer + sub together');
      await assert.rejects(
        store.createSsoLink({ issuer: 'https://idp', subject: sub, orgId: other.id, userId: u2.id }),
        ConflictError,
        'the same subject through another organization',
      );
      await assert.rejects(
        store.createSsoLink({ issuer: 'https://idp', subject: `${sub}-2`, orgId: org.id, userId: u1.id }),
        ConflictError,
        'a second subject for the same user in one organization',
      );
      await store.createSsoLink({
        issuer: 'https://idp',
        subject: `${sub}-3`,
        orgId: other.id,
        userId: u1.id,
      });
      assert.equal(await store.deleteSsoLinksOfOrg(org.id), 1);
      assert.equal(await store.findSsoLink('https://idp', sub), undefined);
      assert.equal(await store.deleteSsoLinksOfOrg('not-a-uuid'), 0);
    });

    it('F1: a transaction that links and fails leaves no link', async () => {
      const org = await store.createOrg({ name: 'T', plan: 'free' });
      const u = await newUser();
      const sub = `sub-${tag()}`;
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.createSsoLink({ issuer: 'https://idp', subject: sub, orgId: org.id, userId: u.id });
          throw new Error('rollback');
        }),
        /rollback/,
      );
      assert.equal(await store.findSsoLink('https://idp', sub), undefined);
    });
  });
}

ssoContract('pglite', async () => {
  const store = await createPgliteStore(undefined);
  return { store, dispose: () => store.close() };
});

ssoContract('postgres', async () => {
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
