// A test server on real stores whose PostgreSQL (a fresh database) and Redis sit behind TCP proxies
// (test/support/tcp-proxy.ts), for outage and fault tests.
import { createTestDatabase } from './postgres.ts';
import { REDIS_URL, startTestServer, type TestServer, type TestServerOptions } from './server.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

export interface ProxiedServer {
  server: TestServer;
  pgProxy: TcpProxy;
  redisProxy: TcpProxy;
  /** Stops the server, the proxies, and drops the database. */
  stop(): Promise<void>;
}

async function proxied(url: string, defaultPort: number): Promise<{ proxy: TcpProxy; url: string }> {
  const u = new URL(url);
  const proxy = await startTcpProxy(u.hostname, Number(u.port || defaultPort));
  u.port = String(proxy.port);
  return { proxy, url: u.href };
}

export async function startProxiedServer(options: TestServerOptions = {}): Promise<ProxiedServer> {
  const db = await createTestDatabase();
  const pg = await proxied(db.url, 5432);
  const redis = await proxied(REDIS_URL, 6379);
  const server = await startTestServer('real', {
    ...options,
    env: { ...options.env, DATABASE_URL: pg.url, REDIS_URL: redis.url },
  });
  return {
    server,
    pgProxy: pg.proxy,
    redisProxy: redis.proxy,
    async stop() {
      await server.stop();
      await pg.proxy.close();
      await redis.proxy.close();
      await db.drop();
    },
  };
}
