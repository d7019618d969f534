// Opening the system of record, and how the PostgreSQL adapter behaves when the server is down (X2).

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreUnavailableError } from '../../src/store/ports.ts';
import { createPostgresStore, openSystemOfRecord } from '../../src/store/sor/index.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

describe('system of record: opening and availability (X2)', function () {
  this.timeout(30_000);

  it('embedded PGlite keeps its data under <dataDir>/pglite across restarts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'deadbolt-sor-'));
    try {
      const first = await openSystemOfRecord({ dataDir });
      assert.equal(first.kind, 'pglite');
      const u = await first.createUser({ email: 'persist@example.com', passwordHash: 'h' });
      await first.close();
      const again = await openSystemOfRecord({ dataDir });
      assert.deepEqual(await again.findUserByEmail('PERSIST@example.com'), u);
      await again.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a configured database URL selects PostgreSQL; instances starting together migrate it once', async () => {
    const database = await createTestDatabase();
    try {
      const config = { databaseUrl: database.url, dataDir: ':memory:' };
      const stores = await Promise.all([1, 2, 3].map(() => openSystemOfRecord(config)));
      assert.deepEqual(
        stores.map((s) => s.kind),
        ['postgres', 'postgres', 'postgres'],
      );
      assert.deepEqual(await stores[0].listUsers(), []);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await database.drop();
    }
  });

  /** Two calls on a store whose server cannot be reached; returns the elapsed milliseconds. */
  async function unavailable(url: string): Promise<number> {
    const store = createPostgresStore(url);
    const started = Date.now();
    try {
      await assert.rejects(store.ping(), StoreUnavailableError);
      await assert.rejects(store.findUserByEmail('a@example.com'), StoreUnavailableError);
      return Date.now() - started;
    } finally {
      await store.close();
    }
  }

  it('a PostgreSQL server that is down answers StoreUnavailableError at once, not a hang', async () => {
    const elapsed = await unavailable('postgres://postgres@127.0.0.1:1/postgres');
    assert.ok(elapsed < 3000, `took ${elapsed} ms`);
  });

  it('a PostgreSQL server that accepts but never answers fails within the connect timeout', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const elapsed = await unavailable(`postgres://postgres@127.0.0.1:${port}/postgres`);
      assert.ok(elapsed < 2 * 2000 + 1000, `took ${elapsed} ms`); // two calls, 2 s connect timeout each
    } finally {
      silent.close();
    }
  });

  it('the PostgreSQL store recovers by itself when the server comes back', async () => {
    const database = await createTestDatabase();
    const upstream = new URL(database.url);
    const proxy = await startTcpProxy(upstream.hostname, Number(upstream.port || 5432));
    const viaProxy = new URL(database.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const store = createPostgresStore(viaProxy.toString(), { max: 2 });
    try {
      await store.migrate();
      await store.ping(); // leaves an idle pooled connection, cut below
      await proxy.pause();
      await assert.rejects(store.listUsers(), StoreUnavailableError);
      await assert.rejects(store.listUsers(), StoreUnavailableError);
      await proxy.resume();
      await store.ping();
      assert.deepEqual(await store.listUsers(), []);
    } finally {
      await store.close();
      await proxy.close();
      await database.drop();
    }
  });

  it('a connection lost in the middle of a query rejects that query without crashing the process', async () => {
    const database = await createTestDatabase();
    const upstream = new URL(database.url);
    const proxy = await startTcpProxy(upstream.hostname, Number(upstream.port || 5432));
    const viaProxy = new URL(database.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const errors: Error[] = [];
    const store = createPostgresStore(viaProxy.toString(), { max: 1, onError: (err) => errors.push(err) });
    try {
      await store.migrate();
      const slow = store.transaction(async (tx) => {
        await tx.createUser({ email: 'slow@example.com', passwordHash: 'h' });
        await new Promise((resolve) => setTimeout(resolve, 300));
        await tx.ping();
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await proxy.pause();
      await assert.rejects(slow, StoreUnavailableError);
      await proxy.resume();
      assert.equal(await store.findUserByEmail('slow@example.com'), undefined, 'rolled back');
      assert.ok(errors.length > 0, 'the lost connection is reported for logging');
    } finally {
      await store.close();
      await proxy.close();
      await database.drop();
    }
  });
});
