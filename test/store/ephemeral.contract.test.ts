// One contract for the EphemeralStore port, run against the memory store, a single Redis, and (Z1) a
// 3-master Redis Cluster and a Sentinel-managed primary/replica pair that the suite starts itself.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  createMemoryStore,
  createRedisStore,
  listSessionIdsOfAccount,
} from '../../src/store/ephemeral/index.ts';
import { memoizedEphemeral } from '../../src/store/ephemeral/request-memo.ts';
import { type EphemeralStore, StoreUnavailableError } from '../../src/store/ports.ts';
import { type RequestMemos, withReadMemo } from '../../src/store/read-memo.ts';
import {
  type SentinelGroup,
  startRedisCluster,
  startSentinelGroup,
  type Topology,
} from '../support/redis-topology.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const id = (): string => randomUUID();

interface Backend {
  name: string;
  open(): EphemeralStore | Promise<EphemeralStore>;
  cleanup(): Promise<void>;
  /** Before each test (the request memo: a fresh request). */
  reset?(): void;
}

function memoryBackend(): Backend {
  return { name: 'memory', open: createMemoryStore, cleanup: async () => {} };
}

/** A Redis backend confined to a random key prefix, whose keys are all deleted afterwards. */
function redisBackend(): Omit<Backend, 'open'> & { prefix: string; open(): EphemeralStore } {
  const prefix = `deadbolt-test:${randomUUID()}:`;
  return {
    name: 'redis',
    prefix,
    open: () => createRedisStore(REDIS_URL, { keyPrefix: prefix }),
    cleanup: async () => {
      const admin = new Redis(REDIS_URL);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length > 0) await admin.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        admin.disconnect();
      }
    },
  };
}

/** Z1: a Redis topology of the suite's own, started on first use and killed afterwards. */
function topologyBackend(
  name: string,
  start: () => Promise<Topology>,
  connect: (topology: Topology, prefix: string) => EphemeralStore,
): Backend {
  let topology: Topology | undefined;
  return {
    name,
    open: async () => {
      topology = await start();
      return connect(topology, `deadbolt-test:${randomUUID()}:`);
    },
    cleanup: async () => {
      await topology?.stop();
    },
  };
}

const clusterBackend = (): Backend =>
  topologyBackend('Z1: redis cluster (3 masters, 3 replicas)', startRedisCluster, (cluster, keyPrefix) =>
    createRedisStore({ kind: 'cluster', nodes: cluster.nodes.slice(0, 3) }, { keyPrefix }),
  );

const sentinelBackend = (): Backend =>
  topologyBackend('Z1: redis sentinel (primary + replica)', startSentinelGroup, (group, keyPrefix) =>
    createRedisStore(
      { kind: 'sentinel', sentinels: [group.nodes[2]!], name: (group as SentinelGroup).name },
      { keyPrefix },
    ),
  );

async function expectUnavailable(operation: () => Promise<unknown>): Promise<void> {
  const started = Date.now();
  await assert.rejects(operation, StoreUnavailableError);
  assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
}

/**
 * Issue 18: the store as a request sees it (src/store/ephemeral/request-memo.ts) — every call of a
 * test inside one request, so the memo answers each repeated read: it must keep the same contract.
 */
function inOneRequest(base: Backend): Backend {
  const fresh = (): RequestMemos => ({ sor: new Map(), eph: new Map() });
  let memos = fresh();
  const calls = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, prop) {
        const value: unknown = Reflect.get(t, prop, t);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => withReadMemo(() => value.apply(t, args), memos);
      },
    });
  return {
    name: `${base.name}, within one request (issue 18: request memo)`,
    async open() {
      const store = memoizedEphemeral(await base.open());
      const Adapter = new Proxy(store.OidcAdapter, {
        construct: (target, args: [string]) => calls(new target(...args)),
      });
      return new Proxy(store, {
        get(t, prop) {
          if (prop === 'kv') return calls(t.kv);
          if (prop === 'OidcAdapter') return Adapter;
          const value: unknown = Reflect.get(t, prop, t);
          return typeof value === 'function' ? calls(t)[prop as keyof EphemeralStore] : value;
        },
      });
    },
    cleanup: () => base.cleanup(),
    reset: () => {
      memos = fresh();
    },
  };
}

function contract(backend: Backend): void {
  describe(`ephemeral store contract: ${backend.name}`, function () {
    this.timeout(60_000);
    let store: EphemeralStore;
    before(async () => {
      store = await backend.open();
    });
    beforeEach(() => backend.reset?.());
    after(async () => {
      await store?.close();
      await backend.cleanup();
    });

    it('answers a health check', async () => {
      await store.ping();
    });

    describe('oidc-provider adapter', () => {
      it('O2: a token is found as saved, reflects a re-save, and is gone once destroyed', async () => {
        const tokens = new store.OidcAdapter('AccessToken');
        const jti = id();
        await tokens.upsert(jti, { jti, accountId: 'acc-1', scope: 'openid' }, 60);
        assert.deepEqual(await tokens.find(jti), { jti, accountId: 'acc-1', scope: 'openid' });
        await tokens.upsert(jti, { jti, accountId: 'acc-1', scope: 'openid email' }, 60);
        assert.equal((await tokens.find(jti))?.scope, 'openid email');
        await tokens.destroy(jti);
        assert.equal(await tokens.find(jti), undefined);
        assert.equal(await new store.OidcAdapter('Client').find(jti), undefined);
      });

      it('O2: a session, its uid and a device user code stop working once their lifetime ends', async () => {
        const sessions = new store.OidcAdapter('Session');
        const devices = new store.OidcAdapter('DeviceCode');
        const [sid, uid, code, userCode] = [id(), id(), id(), id()];
        await sessions.upsert(sid, { uid, accountId: id() }, 1);
        await devices.upsert(code, { userCode, grantId: id() }, 1);
        assert.ok(await sessions.findByUid(uid));
        assert.ok(await devices.findByUserCode(userCode));
        await sleep(1600);
        assert.equal(await sessions.find(sid), undefined);
        assert.equal(await sessions.findByUid(uid), undefined);
        assert.equal(await devices.find(code), undefined);
        assert.equal(await devices.findByUserCode(userCode), undefined);
      });

      it('O2: a used authorization code is reported as consumed, so a replay is refused', async () => {
        const codes = new store.OidcAdapter('AuthorizationCode');
        const jti = id();
        await codes.upsert(jti, { jti, grantId: id(), clientId: 'rp' }, 60);
        assert.equal((await codes.find(jti))?.consumed, undefined);
        await codes.consume(jti);
        const used = await codes.find(jti);
        assert.ok(used?.consumed, 'consumed must be truthy');
        assert.ok(Math.abs(Number(used.consumed) - Date.now() / 1000) < 5, 'consumed is epoch seconds');
        assert.equal(used.clientId, 'rp');
        // Saving it again (e.g. the provider updating it) does not make it usable again.
        await codes.upsert(jti, { jti, clientId: 'rp' }, 60);
        assert.ok((await codes.find(jti))?.consumed);
      });

      it('O2: refresh tokens, PAR, device and CIBA requests also record consumption; unknown ids stay unknown', async () => {
        for (const model of [
          'RefreshToken',
          'PushedAuthorizationRequest',
          'DeviceCode',
          'BackchannelAuthenticationRequest',
        ]) {
          const [adapter, jti, unknown] = [new store.OidcAdapter(model), id(), id()];
          await adapter.upsert(jti, { jti }, 60);
          await adapter.consume(jti);
          assert.ok((await adapter.find(jti))?.consumed, model);
          await adapter.consume(unknown); // e.g. expired meanwhile: must not come back
          assert.equal(await adapter.find(unknown), undefined, model);
        }
      });

      it('O2: revoking a grant removes its access tokens, refresh tokens and authorization codes', async () => {
        const [grantId, otherGrant] = [id(), id()];
        const models = ['AccessToken', 'RefreshToken', 'AuthorizationCode'];
        const issued: Array<[string, string]> = [];
        for (const model of models) {
          for (const ttl of [60, 3600]) {
            const jti = id();
            await new store.OidcAdapter(model).upsert(jti, { jti, grantId }, ttl);
            issued.push([model, jti]);
          }
        }
        const survivor = id();
        await new store.OidcAdapter('AccessToken').upsert(
          survivor,
          { jti: survivor, grantId: otherGrant },
          60,
        );

        await new store.OidcAdapter('AccessToken').revokeByGrantId(grantId);
        for (const [model, jti] of issued) {
          assert.equal(await new store.OidcAdapter(model).find(jti), undefined, `${model} ${jti}`);
        }
        assert.ok(await new store.OidcAdapter('AccessToken').find(survivor));
      });

      it('O2: a session is found by its uid, and a device-flow request by the code the user types in', async () => {
        const [sessions, devices] = [new store.OidcAdapter('Session'), new store.OidcAdapter('DeviceCode')];
        const [sid, uid, code] = [id(), id(), id()];
        await sessions.upsert(sid, { uid, accountId: 'acc', loginTs: 1 }, 60);
        await devices.upsert(code, { userCode: 'BCDF-GHJK', clientId: 'tv', grantId: id() }, 60);
        assert.deepEqual(await sessions.findByUid(uid), { uid, accountId: 'acc', loginTs: 1 });
        assert.equal((await devices.findByUserCode('BCDF-GHJK'))?.clientId, 'tv');
        assert.equal(await sessions.findByUid(id()), undefined);
        assert.equal(await devices.findByUserCode('XXXX-XXXX'), undefined);
        // Saved again (another sign-in in the same browser) and then ended: the uid follows.
        await sessions.upsert(sid, { uid, accountId: 'other', loginTs: 2 }, 60);
        assert.equal((await sessions.findByUid(uid))?.accountId, 'other');
        await sessions.destroy(sid);
        assert.equal(await sessions.findByUid(uid), undefined);
      });

      it("lists a user's live sessions so they can all be ended", async () => {
        const sessions = new store.OidcAdapter('Session');
        const [alice, bob] = [id(), id()];
        const [s1, s2, s3, s4] = [id(), id(), id(), id()];
        await sessions.upsert(s1, { uid: id(), accountId: alice }, 60);
        await sessions.upsert(s2, { uid: id(), accountId: alice }, 3600);
        await sessions.upsert(s3, { uid: id(), accountId: bob }, 60);
        await sessions.upsert(s4, { uid: id(), accountId: alice }, 60);
        assert.deepEqual((await listSessionIdsOfAccount(store, alice)).sort(), [s1, s2, s4].sort());
        assert.deepEqual(await listSessionIdsOfAccount(store, bob), [s3]);

        await sessions.destroy(s1);
        await sessions.upsert(s4, { uid: id(), accountId: bob }, 60); // now signed in as bob
        assert.deepEqual(await listSessionIdsOfAccount(store, alice), [s2]);
        assert.deepEqual(await listSessionIdsOfAccount(store, id()), []);
      });
    });

    describe('key-value primitives', () => {
      it('stores, reads, reports the TTL of and deletes a value', async () => {
        const key = `kv:${id()}`;
        assert.equal(await store.kv.get(key), undefined);
        assert.equal(await store.kv.ttl(key), undefined);
        await store.kv.set(key, 'v', 60);
        assert.equal(await store.kv.get(key), 'v');
        const ttl = await store.kv.ttl(key);
        assert.ok(ttl !== undefined && ttl > 55 && ttl <= 60, `ttl ${ttl}`);
        await store.kv.del(key);
        assert.equal(await store.kv.get(key), undefined);
      });

      it('a one-time value can be claimed only once, even by concurrent requests', async () => {
        const key = `once:${id()}`;
        const claims = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.kv.setIfAbsent(key, `${i}`, 60)),
        );
        assert.equal(claims.filter(Boolean).length, 1);
        const winner = claims.indexOf(true);
        const takes = await Promise.all(Array.from({ length: 20 }, () => store.kv.take(key)));
        assert.deepEqual(
          takes.filter((value) => value !== undefined),
          [`${winner}`],
        );
        assert.equal(await store.kv.get(key), undefined);
      });

      it('attempt counters count up under concurrency and keep the TTL set when first counted', async () => {
        const key = `count:${id()}`;
        const counts = await Promise.all(Array.from({ length: 10 }, () => store.kv.incr(key, 60)));
        assert.deepEqual(
          counts.sort((a, b) => a - b),
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        );
        assert.equal(await store.kv.incr(key, 3600), 11);
        const ttl = await store.kv.ttl(key);
        assert.ok(ttl !== undefined && ttl <= 60 && ttl > 55, `ttl ${ttl}`);
      });

      it('values, one-time claims and counters expire with their TTL', async () => {
        const [value, claim, counter] = [`v:${id()}`, `c:${id()}`, `n:${id()}`];
        await store.kv.set(value, 'v', 1);
        assert.equal(await store.kv.setIfAbsent(claim, 'x', 1), true);
        await store.kv.incr(counter, 1);
        await store.kv.incr(counter, 1);
        await sleep(1600);
        assert.equal(await store.kv.get(value), undefined);
        assert.equal(await store.kv.setIfAbsent(claim, 'y', 60), true);
        assert.equal(await store.kv.incr(counter, 60), 1);
      });

      it('sets gain and lose members and live as long as their longest-lived member', async () => {
        const key = `set:${id()}`;
        assert.deepEqual(await store.kv.setMembers(key), []);
        await store.kv.addToSet(key, 'a', 3600);
        await store.kv.addToSet(key, 'b', 60);
        await store.kv.addToSet(key, 'a', 60);
        assert.deepEqual((await store.kv.setMembers(key)).sort(), ['a', 'b']);
        const ttl = await store.kv.ttl(key);
        assert.ok(ttl !== undefined && ttl > 3500, `ttl ${ttl}`);
        await store.kv.removeFromSet(key, 'a');
        await store.kv.removeFromSet(key, 'zzz');
        assert.deepEqual(await store.kv.setMembers(key), ['b']);
      });
    });

    describe('rate limiter', () => {
      it('allows N attempts, then refuses with a retry-after; reset allows again', async () => {
        const limiter = store.rateLimiter({ keyPrefix: `login:${id()}`, points: 3, durationSeconds: 60 });
        assert.deepEqual(await limiter.peek('ip'), { allowed: true, remaining: 3, retryAfterSeconds: 0 });
        for (const remaining of [2, 1, 0]) {
          assert.deepEqual(await limiter.consume('ip'), { allowed: true, remaining, retryAfterSeconds: 0 });
        }
        const refused = await limiter.consume('ip');
        assert.equal(refused.allowed, false);
        assert.equal(refused.remaining, 0);
        assert.ok(refused.retryAfterSeconds > 0 && refused.retryAfterSeconds <= 60);
        const peeked = await limiter.peek('ip');
        assert.equal(peeked.allowed, false);
        assert.ok(peeked.retryAfterSeconds > 0);

        await limiter.reset('ip');
        assert.equal((await limiter.consume('ip')).allowed, true);
      });

      it("one client's attempts do not limit another key or another limiter", async () => {
        const prefix = `otp:${id()}`;
        const limiter = store.rateLimiter({ keyPrefix: prefix, points: 1, durationSeconds: 60 });
        const other = store.rateLimiter({ keyPrefix: `${prefix}-other`, points: 1, durationSeconds: 60 });
        assert.equal((await limiter.consume('alice')).allowed, true);
        assert.equal((await limiter.consume('alice')).allowed, false);
        assert.equal((await limiter.consume('bob')).allowed, true);
        assert.equal((await other.consume('alice')).allowed, true);
        // A limiter created again with the same options shares the counters.
        const again = store.rateLimiter({ keyPrefix: prefix, points: 1, durationSeconds: 60 });
        assert.equal((await again.consume('alice')).allowed, false);
      });

      it('V2: 60 parallel consumes of a 10-point key grant exactly 10; refund gives a point back', async () => {
        const limiter = store.rateLimiter({ keyPrefix: `race:${id()}`, points: 10, durationSeconds: 60 });
        const results = await Promise.all(Array.from({ length: 60 }, () => limiter.consume('user')));
        assert.equal(results.filter((r) => r.allowed).length, 10);
        assert.equal((await limiter.peek('user')).allowed, false);
        await limiter.reset('user');
        await limiter.consume('user');
        await limiter.refund('user');
        assert.equal((await limiter.peek('user')).remaining, 10);
      });

      it('an exhausted key stays blocked for the block duration', async () => {
        const limiter = store.rateLimiter({
          keyPrefix: `mfa:${id()}`,
          points: 1,
          durationSeconds: 1,
          blockDurationSeconds: 120,
        });
        assert.equal((await limiter.consume('user')).allowed, true);
        const blocked = await limiter.consume('user');
        assert.equal(blocked.allowed, false);
        assert.ok(blocked.retryAfterSeconds > 100, `retry after ${blocked.retryAfterSeconds}`);
      });
    });
  });
}

contract(memoryBackend());
contract(redisBackend());
contract(inOneRequest(memoryBackend()));
contract(inOneRequest(redisBackend()));
contract(clusterBackend());
contract(sentinelBackend());

describe('ephemeral store: Redis only', () => {
  it('X2: a call made right after start-up waits for the first connection instead of failing', async () => {
    const backend = redisBackend();
    const store = backend.open();
    try {
      await store.kv.set('k', 'v', 60);
      assert.equal(await store.kv.get('k'), 'v');
    } finally {
      await store.close();
      await backend.cleanup();
    }
  });

  it('O2: nothing the provider stores is left in Redis without an expiry', async () => {
    const backend = redisBackend();
    const store = backend.open();
    const admin = new Redis(REDIS_URL);
    try {
      const grantId = id();
      await new store.OidcAdapter('Session').upsert('s', { uid: 'u', accountId: 'a' }, 60);
      await new store.OidcAdapter('RefreshToken').upsert('rt', { grantId }, 60);
      await new store.OidcAdapter('DeviceCode').upsert('dc', { grantId, userCode: 'ABCD' }, 60);
      await new store.OidcAdapter('AuthorizationCode').consume('gone');
      const keys = await admin.keys(`${backend.prefix}*`);
      assert.equal(keys.length, 7, keys.join(' ')); // 3 models, grant, uid, userCode, sessions index
      for (const key of keys) assert.ok((await admin.ttl(key)) > 0, key);
    } finally {
      admin.disconnect();
      await store.close();
      await backend.cleanup();
    }
  });

  it('X2: with Redis unreachable, key-value, adapter and limiter calls fail fast with StoreUnavailableError', async () => {
    const store = createRedisStore('redis://127.0.0.1:1', { keyPrefix: `deadbolt-test:${id()}:` });
    try {
      await expectUnavailable(() => store.ping());
      await expectUnavailable(() => store.kv.get('k'));
      await expectUnavailable(() => store.kv.setIfAbsent('k', 'v', 60));
      await expectUnavailable(() => store.kv.incr('k', 60));
      await expectUnavailable(() => new store.OidcAdapter('AuthorizationCode').find('code'));
      await expectUnavailable(() => new store.OidcAdapter('Session').upsert('s', { accountId: 'a' }, 60));
      await expectUnavailable(() => new store.OidcAdapter('RefreshToken').consume('rt'));
      const limiter = store.rateLimiter({ keyPrefix: 'login', points: 5, durationSeconds: 60 });
      await expectUnavailable(() => limiter.consume('ip'));
      await expectUnavailable(() => limiter.peek('ip'));
    } finally {
      await store.close();
    }
  });

  it('X2: service resumes by itself when Redis comes back, without recreating the store', async () => {
    const viaProxy = new URL(REDIS_URL);
    const proxy = await startTcpProxy(viaProxy.hostname, Number(viaProxy.port || 6379));
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const backend = redisBackend();
    const store = createRedisStore(viaProxy.href, { keyPrefix: backend.prefix });
    const limiter = store.rateLimiter({ keyPrefix: 'login', points: 5, durationSeconds: 60 });
    try {
      await store.kv.set('before', 'kept', 60);

      await proxy.pause();
      await expectUnavailable(() => store.kv.get('before'));
      await expectUnavailable(() => new store.OidcAdapter('AccessToken').find('t'));
      await expectUnavailable(() => limiter.consume('ip'));

      await proxy.resume();
      const deadline = Date.now() + 8000;
      for (;;) {
        try {
          await store.ping();
          break;
        } catch (error) {
          assert.ok(error instanceof StoreUnavailableError);
          if (Date.now() > deadline) throw error;
          await sleep(100);
        }
      }
      assert.equal(await store.kv.get('before'), 'kept');
      assert.equal((await limiter.consume('ip')).allowed, true);
    } finally {
      await store.close();
      await proxy.close();
      await backend.cleanup();
    }
  });
});
