// Issue 18 item 4 (X5, bounded memory on the embedded default): the in-memory store holds at most
// MEMORY_STORE_MAX_KEYS keys; beyond it the keys written longest ago go, with one clear log line.
import assert from 'node:assert/strict';
import { createMemoryStore } from '../../src/store/ephemeral/index.ts';
import { startTestServer } from '../support/server.ts';

describe('X5: the in-memory store is bounded (issue 18)', () => {
  it('X5: beyond maxKeys the oldest written keys are evicted, newer and rewritten ones kept, account indexes kept', async () => {
    const reports: number[] = [];
    const store = createMemoryStore({ maxKeys: 100, onEvictions: (count) => reports.push(count) });
    try {
      await store.kv.addToSet('index', 'member', 3600);
      for (let i = 0; i < 150; i++) await store.kv.set(`k${i}`, String(i), 3600);
      await store.kv.set('k0', 'rewritten', 3600); // k0 was evicted: written again, it is new
      await store.kv.set('k60', 'rewritten', 3600); // k60 rewritten: now among the newest
      for (let i = 150; i < 160; i++) await store.kv.set(`k${i}`, String(i), 3600);
      assert.equal(await store.kv.get('k1'), undefined);
      assert.equal(await store.kv.get('k60'), 'rewritten');
      assert.equal(await store.kv.get('k159'), '159');
      assert.equal(await store.kv.get('k0'), 'rewritten');
      assert.deepEqual(await store.kv.setMembers('index'), ['member']);
      assert.deepEqual(reports, [1], 'the first eviction is reported at once, later ones batched');
    } finally {
      await store.close();
    }
  });

  it('X5: without a cap nothing is evicted', async () => {
    const store = createMemoryStore();
    try {
      for (let i = 0; i < 2000; i++) await store.kv.set(`k${i}`, String(i), 3600);
      assert.equal(await store.kv.get('k0'), '0');
    } finally {
      await store.close();
    }
  });

  it('X5: a server at MEMORY_STORE_MAX_KEYS logs one warning naming the setting, and keeps serving', async () => {
    const server = await startTestServer('embedded', {
      env: { MEMORY_STORE_MAX_KEYS: '1000', LOG_LEVEL: 'warn' },
      captureLogs: true,
    });
    try {
      for (let i = 0; i < 1100; i++) await server.services.eph.kv.set(`fill:${i}`, 'x', 3600);
      const warnings = server
        .logs()
        .split('\n')
        .filter((l) => l.includes('MEMORY_STORE_MAX_KEYS'));
      assert.equal(warnings.length, 1);
      assert.equal(JSON.parse(warnings[0]).maxKeys, 1000);
      const res = await fetch(`${server.issuer}/.well-known/openid-configuration`);
      assert.equal(res.status, 200);
    } finally {
      await server.stop();
    }
  });
});
