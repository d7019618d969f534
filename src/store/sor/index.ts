// Chooses the system-of-record adapter: PostgreSQL when a URL is configured, else embedded PGlite.

import { join } from 'node:path';
import type { SystemOfRecord } from '../ports.ts';
import { type DataDirLock, type LockOwner, lockDataDir } from './data-dir-lock.ts';
import { createPostgresStore, type PostgresStoreOptions } from './postgres.ts';

export { KyselySystemOfRecord } from './kysely-store.ts';
export { createPostgresStore } from './postgres.ts';

export interface SystemOfRecordConfig {
  databaseUrl?: string | undefined;
  /** PGlite keeps its files under <dataDir>/pglite; ':memory:' keeps them in memory. */
  dataDir: string;
  /** PostgreSQL pool size and bounds (Z3). */
  pool?: PostgresStoreOptions;
  /** A3: told when a stale DATA_DIR lock (its process is gone) is taken over; log it. */
  onStaleLock?: (previous: LockOwner | undefined) => void;
}

export { DataDirLockedError, type LockOwner } from './data-dir-lock.ts';

/** Opens and migrates the system of record. */
export async function openSystemOfRecord(config: SystemOfRecordConfig): Promise<SystemOfRecord> {
  let store: SystemOfRecord;
  if (config.databaseUrl) {
    store = createPostgresStore(config.databaseUrl, config.pool);
  } else {
    // Loaded on demand: kysely-pglite's entry point also pulls in its code generator.
    const { createPgliteStore } = await import('./pglite.ts');
    const memory = config.dataDir === ':memory:';
    // A3: PGlite is single-process — one opener at a time (server or CLI), or data is lost.
    const lock = memory ? undefined : await lockDataDir(config.dataDir, config.onStaleLock);
    try {
      store = await createPgliteStore(memory ? undefined : join(config.dataDir, 'pglite'));
    } catch (err) {
      lock?.release();
      throw err;
    }
    if (lock) store = releasingOnClose(store, lock);
  }
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}

/** The lock is released once the store is closed. */
function releasingOnClose(store: SystemOfRecord, lock: DataDirLock): SystemOfRecord {
  const close = store.close.bind(store);
  store.close = async () => {
    try {
      await close();
    } finally {
      lock.release();
    }
  };
  return store;
}
