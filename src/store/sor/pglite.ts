// Embedded adapter: Kysely over PGlite (PostgreSQL compiled to WebAssembly, in-process).

import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { KyselyPGlite } from 'kysely-pglite';
import type { SystemOfRecord } from '../ports.ts';
import { KyselySystemOfRecord } from './kysely-store.ts';
import type { Database } from './schema.ts';

/** dataDir undefined: in-memory (gone on close). Otherwise the directory is created if needed. */
export async function createPgliteStore(dataDir: string | undefined): Promise<SystemOfRecord> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir === undefined ? {} : { dataDir });
  const { dialect } = new KyselyPGlite(client);
  return new KyselySystemOfRecord(new Kysely<Database>({ dialect: exclusive(dialect) }), 'pglite');
}

/**
 * Works around two gaps of kysely-pglite 0.6:
 * - it hands every caller a "connection" to the same single PGlite session and runs BEGIN/COMMIT as
 *   plain queries, so a query issued while a transaction is open elsewhere would run inside that
 *   transaction (and be rolled back with it). The wrapper lends the one connection to one holder
 *   at a time: a transaction holds it until commit or rollback, other queries wait. (So code inside
 *   store.transaction() must use the tx store, never the outer one, or it waits forever.)
 * - it returns PGlite's `affectedRows` where Kysely reads `numAffectedRows`, so every UPDATE and
 *   DELETE would report 0 rows.
 */
function exclusive(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new ExclusiveDriver(dialect.createDriver()),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
  };
}

class ExclusiveDriver implements Driver {
  readonly #inner: Driver;
  #busy = false;
  readonly #waiting: Array<() => void> = [];

  constructor(inner: Driver) {
    this.#inner = inner;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#busy = true;
    try {
      return new CountingConnection(await this.#inner.acquireConnection());
    } catch (err) {
      this.#handOver();
      throw err;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.#inner.releaseConnection(unwrap(connection));
    } finally {
      this.#handOver();
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(unwrap(connection), settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(unwrap(connection));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }

  /** Passes the connection to the next waiter (staying busy), or marks it free. */
  #handOver(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#busy = false;
  }
}

class CountingConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;

  constructor(inner: DatabaseConnection) {
    this.inner = inner;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result: QueryResult<R> & { affectedRows?: number } = await this.inner.executeQuery<R>(query);
    if (result.numAffectedRows !== undefined || result.affectedRows === undefined) return result;
    return { ...result, numAffectedRows: BigInt(result.affectedRows) };
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof CountingConnection ? connection.inner : connection;
}
