// Store ports. Every port has two adapters (a real server and an embedded default) that pass one
// contract suite in test/store/. Routes and the provider depend on these interfaces only. The
// system of record's parts live per domain in ports/ (accounts, factors, audit, clients); the
// ephemeral ports in ports/ephemeral.ts. Import them from here.

import type { InvitationStore, OrgStore, SsoStore, UserStore } from './ports/accounts.ts';
import type { AuditStore } from './ports/audit.ts';
import type { BrandingStore, ClientStore, ConsentStore } from './ports/clients.ts';
import type { FactorStore, PasskeyStore, RememberedDeviceStore } from './ports/factors.ts';

export type * from './ports/accounts.ts';
export type * from './ports/audit.ts';
export type * from './ports/clients.ts';
export type * from './ports/ephemeral.ts';
export { ConflictError, StoreUnavailableError } from './ports/errors.ts';
export type * from './ports/factors.ts';

/** System of record: PostgreSQL (pg) or PGlite, one query layer (Kysely). */
export interface SystemOfRecord
  extends UserStore,
    OrgStore,
    SsoStore,
    InvitationStore,
    FactorStore,
    PasskeyStore,
    RememberedDeviceStore,
    AuditStore,
    ConsentStore,
    ClientStore,
    BrandingStore {
  readonly kind: 'postgres' | 'pglite';
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Runs fn in one transaction; the store passed to fn is bound to it. */
  transaction<T>(fn: (tx: SystemOfRecord) => Promise<T>): Promise<T>;
}
