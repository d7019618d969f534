// Chooses the system-of-record adapter: PostgreSQL when a URL is configured, else embedded PGlite.

import { join } from 'node:path';
import type { SystemOfRecord } from '../ports.ts';
import { createPostgresStore, type PostgresStoreOptions } from './postgres.ts';

export { KyselySystemOfRecord } from './kysely-store.ts';
export { createPostgresStore } from './postgres.ts';

export interface SystemOfRecordConfig {
  databaseUrl?: string | undefined;
  /** PGlite keeps its files under <dataDir>/pglite; ':memory:' keeps them in memory. */
  dataDir: string;
  /** PostgreSQL pool size and bounds (Z3). */
  pool?: PostgresStoreOptions;
}

/** Opens and migrates the system of record. */
export async function openSystemOfRecord(config: SystemOfRecordConfig): Promise<SystemOfRecord> {
  let store: SystemOfRecord;
  if (config.databaseUrl) {
    store = createPostgresStore(config.databaseUrl, config.pool);
  } else {
    // Loaded on demand: kysely-pglite's entry point also pulls in its code generator.
    const { createPgliteStore } = await import('./pglite.ts');
    store = await createPgliteStore(
      config.dataDir === ':memory:' ? undefined : join(config.dataDir, 'pglite'),
    );
  }
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}
