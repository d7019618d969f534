// E1, O2, X2: `deadbolt/redis-adapter` under a real node-oidc-provider — the tokens it issues live
// in Redis under the prefix with the provider's TTL (keyed by a hash of the token, V8), a host's own ioredis client stays open after
// close(), an unreachable Redis fails closed within the timeout, and bad options are refused.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Redis } from 'ioredis';
import Provider from 'oidc-provider';
import { StoreUnavailableError } from '../../src/index.ts';
import { createRedisAdapter, type RedisAdapter } from '../../src/redis-adapter.ts';
import { freePort, REDIS_URL } from '../support/server.ts';

const SECRET = 'a client secret of some length 0123456789';
/** V8: a token's key holds a SHA-256 of it, never the token. */
const keyOf = (prefix: string, token = '') =>
  `${prefix}oidc:ClientCredentials:h.${createHash('sha256').update(token).digest('base64url')}`;

/** A provider whose only model store is the adapter, serving client-credentials tokens. */
async function providerOn(adapter: RedisAdapter) {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const provider = new Provider(issuer, {
    adapter,
    clients: [
      {
        client_id: 'service',
        client_secret: SECRET,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
    ttl: { ClientCredentials: 300 },
  });
  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const token = async () => {
    const res = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`service:${SECRET}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    return { status: res.status, body: (await res.json()) as { access_token?: string; error?: string } };
  };
  return { provider, server, token };
}

describe('E1: deadbolt/redis-adapter under a real provider', function () {
  this.timeout(30_000);
  const keyPrefix = `deadbolt-test:${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, commandTimeout: 1000 });
  after(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('E1, O2: from a URL — the provider issues a token the adapter keeps in Redis under the prefix, with its TTL', async () => {
    const adapter = createRedisAdapter({ url: REDIS_URL, keyPrefix });
    const { provider, server, token } = await providerOn(adapter);
    try {
      const { status, body } = await token();
      assert.equal(status, 200, JSON.stringify(body));
      const id = body.access_token ?? '';
      const key = keyOf(keyPrefix, id);
      assert.ok(!(await redis.keys(`${keyPrefix}*`)).some((k) => k.includes(id)), 'no token in a key');
      const ttl = await redis.ttl(key);
      assert.ok(ttl > 0 && ttl <= 300, `kept in Redis with the provider's TTL (${ttl})`);
      assert.equal((await provider.ClientCredentials.find(id))?.clientId, 'service');
      await redis.del(key);
      assert.equal(await provider.ClientCredentials.find(id), undefined, 'read from Redis, not a cache');
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await adapter.close();
    }
  });

  it("E2: over the host's own ioredis client, which close() leaves open", async () => {
    const adapter = createRedisAdapter({ redis, keyPrefix });
    const { server, token } = await providerOn(adapter);
    try {
      const { body } = await token();
      assert.equal(await redis.exists(keyOf(keyPrefix, body.access_token)), 1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await adapter.close();
    }
    assert.equal(redis.status, 'ready', "the host's client is still the host's");
  });

  it('X2: with Redis unreachable the adapter fails closed within its timeout, and the provider issues nothing', async () => {
    const adapter = createRedisAdapter({
      url: `redis://127.0.0.1:${await freePort()}`,
      commandTimeoutMs: 300,
    });
    const { provider, server, token } = await providerOn(adapter);
    try {
      const started = Date.now();
      await assert.rejects(provider.ClientCredentials.find('x'), StoreUnavailableError);
      assert.ok(Date.now() - started < 3000, 'fast');
      const { status, body } = await token();
      assert.ok(status >= 500 && !body.access_token, `${status} ${JSON.stringify(body)}`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await adapter.close();
    }
  });

  it('E1: options it cannot use are refused with a clear message', () => {
    assert.throws(() => createRedisAdapter({}), /exactly one of \{ redis \}/);
    assert.throws(() => createRedisAdapter({ url: REDIS_URL, redis }), /exactly one of/);
    assert.throws(() => createRedisAdapter({ url: 'http://localhost:6379' }), /redis:\/\/ or rediss:\/\//);
  });
});
