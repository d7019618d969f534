// A2: relying-party clients live in the system of record: a client added while servers run signs
// in at once on every instance sharing the stores, a removed one is refused at once, its secret is
// sealed at rest (never in a row in the clear) and `keys rotate` re-seals it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { clientCommand } from '../../src/cli/clients.ts';
import { rotateFactorSecrets } from '../../src/cli/keys.ts';
import { open, parseSealingKeys } from '../../src/crypto/sealed.ts';
import { clientAad } from '../../src/oidc/client-registry.ts';
import { Browser } from '../support/browser.ts';
import { dumpDatabase } from '../support/dump.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { open as openAuthorization, RelyingParty, signInWithPassword } from '../support/rp.ts';
import { RP_REDIRECT, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

/** `deadbolt client add` in-process against the server's system of record; returns its JSON. */
async function cliAdd(server: TestServer, argv: string[]): Promise<Record<string, unknown>> {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await clientCommand(server.services.clients, 'add', argv);
  } finally {
    process.stdout.write = write;
  }
  return JSON.parse(out);
}

for (const mode of STORE_MODES) {
  describe(`A2: clients in the system of record (${mode})`, function () {
    this.timeout(60_000);
    let db: TestDatabase | undefined;
    const servers: TestServer[] = [];
    const keys = `k1:${randomBytes(32).toString('base64url')}`;

    before(async () => {
      // Two instances on one database (real mode); PGlite is single-process, so one in embedded.
      // One fleet: the instances share the database and the Redis key prefix.
      const env: Record<string, string> = {
        FACTOR_ENCRYPTION_KEYS: keys,
        REDIS_KEY_PREFIX: `deadbolt-test:a2-${randomBytes(6).toString('hex')}:`,
      };
      if (mode === 'real') {
        db = await createTestDatabase();
        env.DATABASE_URL = db.url;
      }
      servers.push(await startTestServer(mode, { env }));
      if (mode === 'real') servers.push(await startTestServer(mode, { env }));
      await servers[0].createUser(`a2-${mode}@example.test`, PASSWORD, { plan: 'free' });
    });
    after(async () => {
      for (const s of servers) await s.stop();
      await db?.drop();
    });

    it('A2: a client added by the CLI while the servers run signs in at once on every instance; removed, it is refused', async () => {
      const added = await cliAdd(servers[0], [
        '--id',
        `live-${mode}`,
        '--redirect-uri',
        RP_REDIRECT,
        '--first-party',
      ]);
      const secret = String(added.client_secret);
      assert.ok(secret.length >= 32, 'the generated secret is shown once');
      const refreshTokens: string[] = [];
      for (const s of servers) {
        const rp = await RelyingParty.discover(s.issuer, `live-${mode}`, secret);
        const { tokens } = await signInWithPassword(new Browser(), rp, `a2-${mode}@example.test`, PASSWORD);
        assert.ok(tokens.id_token, `signed in on ${s.url} without a restart`);
        refreshTokens.push(tokens.refresh_token!);
      }
      await clientCommand(servers[0].services.clients, 'remove', ['--id', `live-${mode}`]);
      for (const [i, s] of servers.entries()) {
        const rp = await RelyingParty.discover(s.issuer, `live-${mode}`, secret);
        const page = await openAuthorization(new Browser(), await rp.authorize());
        assert.equal(
          page.status,
          400,
          `the authorization request of a removed client is refused on ${s.url}`,
        );
        await assert.rejects(
          client.refreshTokenGrant(rp.config, refreshTokens[i]),
          (err: { status?: number }) => err.status === 401, // invalid_client
        );
      }
    });

    it('A2: the client secret is sealed at rest, and keys rotate re-seals it', async () => {
      const id = `sealed-${mode}`;
      const added = await cliAdd(servers[0], ['--id', id, '--redirect-uri', RP_REDIRECT]);
      const secret = String(added.client_secret);
      const { sor, config } = servers[0].services;
      const dump = await dumpDatabase(sor);
      assert.ok(dump.includes(id), 'the client is in the database');
      assert.ok(!dump.includes(secret), 'the secret is in no row in the clear');
      const before = (await sor.findClient(id))?.secretEnc ?? '';
      assert.match(before, /^v1\.k1\./);
      const next = parseSealingKeys(`k2:${randomBytes(32).toString('base64url')},${keys}`);
      const result = await rotateFactorSecrets(sor, { ...config, factorKeys: next });
      assert.equal(result.failed, 0);
      const after = (await sor.findClient(id))?.secretEnc ?? '';
      assert.match(after, /^v1\.k2\./, 'sealed again under the new current key');
      assert.equal(open(next, after, clientAad(id)), secret, 'the same secret, bound to its client id');
      assert.throws(() => open(next, after, clientAad('another-client')), 'bound to the client id');
    });
  });
}
