// PostgreSQL adapter: Kysely over a pg Pool.

import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { SystemOfRecord } from '../ports.ts';
import { KyselySystemOfRecord } from './kysely-store.ts';
import type { Database } from './schema.ts';

export interface PostgresStoreOptions {
  /** Pool size (default 10). */
  max?: number;
  /** Told when a pooled connection breaks (server restart, network drop); for logging. */
  onError?: (err: Error) => void;
}

/**
 * The pool connects lazily, so this never throws: an unreachable server surfaces as
 * StoreUnavailableError from the first query, within connectionTimeoutMillis. Broken connections
 * are discarded by the pool and new ones are opened on demand, so it recovers once the server is
 * back without a restart (X2).
 */
export function createPostgresStore(databaseUrl: string, opts: PostgresStoreOptions = {}): SystemOfRecord {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 2000,
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
