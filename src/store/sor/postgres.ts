// PostgreSQL adapter: Kysely over a pg Pool.

import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { SystemOfRecord } from '../ports.ts';
import { QUERY_READ_TIMEOUT } from './errors.ts';
import { KyselySystemOfRecord } from './kysely-store.ts';
import type { Database } from './schema.ts';

export interface PostgresStoreOptions {
  /** Pool size (default 10; DATABASE_POOL_SIZE). */
  max?: number;
  /** Bound on opening a connection and on waiting for a free one (default 2000 ms). */
  connectTimeoutMs?: number;
  /** Client-side bound on each query (default 3000 ms; Z3, DATABASE_QUERY_TIMEOUT_MS). */
  queryTimeoutMs?: number;
  /** Told when a pooled connection breaks (server restart, network drop); for logging. */
  onError?: (err: Error) => void;
}

/**
 * Z3: pg's query_timeout rejects a query the server (or the network) never answers, but leaves it
 * active on its connection, so every later query on that connection would queue behind it. Such a
 * connection is closed at once (end() destroys the socket while a query is active); the pool then
 * discards it on release instead of handing it out again.
 */
class BoundedClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg.Client#query has many overloads; this only observes
  override query(...args: any[]): any {
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result instanceof Promise) {
      result.catch((err: unknown) => {
        if (err instanceof Error && err.message === QUERY_READ_TIMEOUT) this.end().catch(() => {});
      });
    }
    return result;
  }
}

/**
 * The pool connects lazily, so this never throws: an unreachable server surfaces as
 * StoreUnavailableError from the first query, within connectionTimeoutMillis; a hung one within
 * query_timeout (Z3). Broken connections are discarded by the pool and new ones are opened on
 * demand, so it recovers once the server is back without a restart (X2).
 */
export function createPostgresStore(databaseUrl: string, opts: PostgresStoreOptions = {}): SystemOfRecord {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    Client: BoundedClient,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 2000,
    query_timeout: opts.queryTimeoutMs ?? 3000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // A broken connection emits 'error': the pool re-emits it for an idle client, but detaches its
  // listener while a client is checked out (mid-query). Unheard, either would crash the process.
  // The failing query rejects anyway and the pool drops the dead client; each error is reported
  // once, by the client listener.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', (err) => opts.onError?.(err)));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new KyselySystemOfRecord(db, 'postgres');
}
