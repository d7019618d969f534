// A2 with the process cache of clients (issue 18: src/oidc/client-cache.ts). Each instance keeps
// the clients it looked up; a change on any instance, or by the CLI in its own process, must still
// be live at once on every instance, and an instance that may have missed a change notice (its
// Redis connection dropped) must not serve its old copy.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import type { ClientConfig } from '../../src/oidc/clients.ts';
import { Browser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { open as openAuthorization, RelyingParty, signInWithPassword } from '../support/rp.ts';
import { REDIS_URL, RP_REDIRECT, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const PASSWORD = 'a long and correct password';
const OTHER_REDIRECT = 'http://rp.test/other-callback';
const ROOT = new URL('../..', import.meta.url).pathname;

const clientOf = (id: string, redirects: string[]): ClientConfig =>
  ({
    client_id: id,
    client_secret: `secret-of-${id}-that-is-long-enough-0123456789`,
    redirect_uris: redirects,
    grant_types: ['authorization_code', 'refresh_token'],
    first_party: true,
  }) as unknown as ClientConfig;

/** The status of an authorization request of `id` to `redirect` (200: the sign-in page; 400: refused). */
async function authorizationStatus(s: TestServer, id: string, redirect = RP_REDIRECT): Promise<number> {
  const rp = await RelyingParty.discover(s.issuer, id, clientOf(id, []).client_secret as string);
  const auth = await rp.authorize({ redirect_uri: redirect });
  return (await openAuthorization(new Browser(), auth)).status;
}

for (const mode of STORE_MODES) {
  describe(`A2: clients cached per instance, changes live at once (${mode})`, function () {
    this.timeout(60_000);
    let db: TestDatabase | undefined;
    let proxy: TcpProxy | undefined;
    const servers: TestServer[] = [];
    const prefix = `deadbolt-test:a2c-${Date.now()}:`;
    const keys = `k1:${randomBytes(32).toString('base64url')}`;

    before(async () => {
      // One fleet: the instances share the database, the sealing keys and the Redis key prefix.
      const env: Record<string, string> = { FACTOR_ENCRYPTION_KEYS: keys };
      if (mode === 'real') {
        db = await createTestDatabase();
        Object.assign(env, { DATABASE_URL: db.url, REDIS_KEY_PREFIX: prefix });
        const redis = new URL(REDIS_URL);
        proxy = await startTcpProxy(redis.hostname, Number(redis.port || 6379));
      }
      servers.push(await startTestServer(mode, { env }));
      // The second instance reaches Redis through a proxy, to cut its connections.
      if (proxy)
        servers.push(
          await startTestServer(mode, { env: { ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` } }),
        );
      await servers[0].createUser(`a2c-${mode}@example.test`, PASSWORD, { plan: 'free' });
    });
    after(async () => {
      for (const s of servers) await s.stop();
      await proxy?.close();
      await db?.drop();
    });

    it('A2: a redirect URI removed on one instance is refused at once on every instance that had the client cached', async () => {
      const id = `moved-${mode}`;
      await servers[0].services.clients.save(clientOf(id, [RP_REDIRECT, OTHER_REDIRECT]));
      for (const s of servers) {
        assert.equal(
          await authorizationStatus(s, id, OTHER_REDIRECT),
          200,
          `served (and cached) on ${s.url}`,
        );
        assert.equal(await authorizationStatus(s, id, OTHER_REDIRECT), 200);
      }
      await servers[0].services.clients.save(clientOf(id, [RP_REDIRECT]));
      for (const s of servers) {
        assert.equal(
          await authorizationStatus(s, id, OTHER_REDIRECT),
          400,
          `the old redirect is refused on ${s.url}`,
        );
        assert.equal(
          await authorizationStatus(s, id, RP_REDIRECT),
          200,
          `the kept one still works on ${s.url}`,
        );
      }
    });

    it('A2: a client removed on one instance cannot refresh on another that just used it', async () => {
      const id = `gone-${mode}`;
      const c = clientOf(id, [RP_REDIRECT]);
      await servers[0].services.clients.save(c);
      const last = servers[servers.length - 1];
      const rp = await RelyingParty.discover(last.issuer, id, c.client_secret as string);
      const { tokens } = await signInWithPassword(new Browser(), rp, `a2c-${mode}@example.test`, PASSWORD);
      const rotated = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
      await servers[0].services.clients.remove(id);
      await assert.rejects(
        client.refreshTokenGrant(rp.config, rotated.refresh_token!),
        (err: { status?: number }) => err.status === 401, // invalid_client
      );
    });

    if (mode === 'real') {
      it('A2: `deadbolt client remove` in its own process is refused at once by the running instances', async () => {
        const id = `cli-${mode}`;
        await servers[0].services.clients.save(clientOf(id, [RP_REDIRECT]));
        for (const s of servers) assert.equal(await authorizationStatus(s, id), 200);
        const result = await cli(['client', 'remove', '--id', id], {
          DATABASE_URL: db!.url,
          REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
          FACTOR_ENCRYPTION_KEYS: keys,
        });
        assert.equal(result.code, 0, result.stderr);
        for (const s of servers) assert.equal(await authorizationStatus(s, id), 400, `refused on ${s.url}`);
      });

      it('A2, X2: an instance whose Redis connection dropped while a client was removed does not serve its cached copy once back', async () => {
        const id = `missed-${mode}`;
        const cut = servers[1];
        await servers[0].services.clients.save(clientOf(id, [RP_REDIRECT]));
        assert.equal(await authorizationStatus(cut, id), 200, 'cached on the second instance');
        await proxy!.pause(); // its subscriber misses the notice
        await servers[0].services.clients.remove(id);
        await proxy!.resume();
        await waitFor(async () => (await fetch(`${cut.url}/healthz`)).status === 200);
        assert.equal(await authorizationStatus(cut, id), 400, 'the removed client is refused after the gap');
      });
    }
  });
}

async function waitFor(ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

async function cli(args: string[], extra: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'deadbolt-a2c-'));
  try {
    const env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: dir,
      CLIENTS_FILE: join(dir, 'clients.json'),
      ...extra,
    };
    return await new Promise((resolve) => {
      execFile(process.execPath, ['bin/deadbolt.js', ...args], { cwd: ROOT, env }, (err, _stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }),
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
