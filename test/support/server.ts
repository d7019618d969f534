// Starts a real Deadbolt server for end-to-end tests, on embedded stores (PGlite in memory + memory
// KV) or on the machine's PostgreSQL (a fresh database) and Redis (a fresh key prefix).
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppOptions } from '../../src/app.ts';
import { loadConfig } from '../../src/config/index.ts';
import { hashPassword } from '../../src/crypto/password.ts';
import { buildApp, createLogger, listen, openServices, type RunningServer } from '../../src/server.ts';
import type { Role } from '../../src/store/records.ts';
import { createTestDatabase } from './postgres.ts';

export type StoreMode = 'embedded' | 'real';
export const STORE_MODES: StoreMode[] = ['embedded', 'real'];
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const RP_REDIRECT = 'http://rp.test/callback';
export const RP_CLIENTS = [
  {
    client_id: 'first-party-app',
    client_name: 'First-party app',
    redirect_uris: [RP_REDIRECT],
    post_logout_redirect_uris: ['http://rp.test/'],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
    first_party: true,
  },
  {
    client_id: 'third-party-app',
    client_name: 'Third-party app',
    client_secret: 'third-party-app-secret-0123456789abcdef-xyz',
    redirect_uris: [RP_REDIRECT],
    post_logout_redirect_uris: ['http://rp.test/'],
    grant_types: ['authorization_code', 'refresh_token'],
    first_party: false,
  },
];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface TestServer extends RunningServer {
  mode: StoreMode;
  issuer: string;
  createUser(
    email: string,
    password: string,
    org?: { plan?: 'free' | 'paid'; role?: Role; requireMfa?: boolean },
  ): Promise<string>;
  /** Every log line written so far (pino JSON), when started with captureLogs. */
  logs(): string;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Overrides; a DATABASE_URL here reuses that database (multi-instance tests). */
  env?: Record<string, string>;
  /** Options of the app, e.g. a replaced MFA policy hook. */
  app?: AppOptions;
  /** More clients for CLIENTS_FILE, after RP_CLIENTS. */
  clients?: object[];
  /** Keep the server's log lines in memory (`server.logs()`), at LOG_LEVEL=debug unless set. */
  captureLogs?: boolean;
}

export async function startTestServer(mode: StoreMode, options: TestServerOptions = {}): Promise<TestServer> {
  const port = await freePort();
  const issuer = options.env?.ISSUER ?? `http://localhost:${port}`;
  const clientsFile = join(tmpdir(), `deadbolt-clients-${randomBytes(6).toString('hex')}.json`);
  await writeFile(clientsFile, JSON.stringify([...RP_CLIENTS, ...(options.clients ?? [])]));
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: issuer,
    DATA_DIR: ':memory:',
    CLIENTS_FILE: clientsFile,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? (options.captureLogs ? 'debug' : 'silent'),
    DEMO: 'false',
    ...options.env,
  };
  if (mode === 'real') {
    if (!env.DATABASE_URL) {
      db = await createTestDatabase();
      env.DATABASE_URL = db.url;
    }
    env.REDIS_KEY_PREFIX ??= `deadbolt-test:${randomBytes(6).toString('hex')}:`;
    env.REDIS_URL ??= REDIS_URL;
  }
  const config = await loadConfig(env);
  const lines: string[] = [];
  const logger = createLogger(
    config,
    options.captureLogs ? { write: (line: string) => void lines.push(line) } : undefined,
  );
  const services = await openServices(config, logger);
  const running = await listen(services, buildApp(services, options.app));
  return {
    ...running,
    mode,
    issuer,
    logs: () => lines.join(''),
    async createUser(email, password, org) {
      const { sor } = services;
      const user = await sor.createUser({ email, passwordHash: await hashPassword(password) });
      if (org) {
        const created = await sor.createOrg({
          name: `Org of ${email}`,
          plan: org.plan ?? 'free',
          requireMfaForAllUsers: org.requireMfa ?? false,
        });
        await sor.setMembership(user.id, created.id, org.role ?? 'member');
      }
      return user.id;
    },
    async stop() {
      await running.close();
      await db?.drop();
      await rm(clientsFile, { force: true });
    },
  };
}
