// SystemOfRecord over Kysely: one implementation for both PostgreSQL (pg) and PGlite. The class
// holds the connection, migrations and transactions; the methods of each domain come from the
// part files (account-store.ts, factor-store.ts, audit-store.ts, client-store.ts), which wrap the
// queries of the *-queries.ts modules and map driver errors (errors.ts).

import type { Kysely } from 'kysely';
import type { InvitationStore, OrgStore, SsoStore, UserStore } from '../ports/accounts.ts';
import type { AuditStore } from '../ports/audit.ts';
import type { BrandingStore, ClientStore, ConsentStore } from '../ports/clients.ts';
import type { FactorStore, PasskeyStore, RememberedDeviceStore } from '../ports/factors.ts';
import type { SystemOfRecord } from '../ports.ts';
import { invitationStore, orgStore, ssoStore, userStore } from './account-store.ts';
import { auditStore } from './audit-store.ts';
import { brandingStore, clientStore, consentStore } from './client-store.ts';
import { run } from './errors.ts';
import { factorStore, passkeyStore, rememberedDeviceStore } from './factor-store.ts';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './schema.ts';

type DomainParts = UserStore &
  OrgStore &
  SsoStore &
  InvitationStore &
  FactorStore &
  PasskeyStore &
  RememberedDeviceStore &
  AuditStore &
  ConsentStore &
  ClientStore &
  BrandingStore;

function domainParts(db: Kysely<Database>): DomainParts {
  return {
    ...userStore(db),
    ...orgStore(db),
    ...ssoStore(db),
    ...invitationStore(db),
    ...factorStore(db),
    ...passkeyStore(db),
    ...rememberedDeviceStore(db),
    ...auditStore(db),
    ...consentStore(db),
    ...clientStore(db),
    ...brandingStore(db),
  };
}

/** A base whose instances carry the domain parts' methods, bound to one Kysely instance. */
const WithDomainParts = class {
  constructor(db: Kysely<Database>) {
    Object.assign(this, domainParts(db));
  }
} as unknown as new (
  db: Kysely<Database>,
) => DomainParts;

export class KyselySystemOfRecord extends WithDomainParts implements SystemOfRecord {
  readonly kind: 'postgres' | 'pglite';
  /** The underlying Kysely instance (a transaction when this store is transaction-bound). */
  readonly db: Kysely<Database>;

  constructor(db: Kysely<Database>, kind: 'postgres' | 'pglite') {
    super(db);
    this.db = db;
    this.kind = kind;
  }

  migrate(): Promise<void> {
    return run(() => migrateToLatest(this.db as Kysely<unknown>));
  }

  ping(): Promise<void> {
    return run(async () => {
      await this.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    });
  }

  close(): Promise<void> {
    if (this.db.isTransaction) return Promise.reject(new Error('a transaction-bound store cannot be closed'));
    return this.db.destroy();
  }

  /**
   * Nested calls on a transaction-bound store join the outer transaction (no savepoints). Inside fn
   * use only the tx store: on PGlite the outer store waits for the transaction to end.
   */
  transaction<T>(fn: (tx: SystemOfRecord) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return run(() => this.db.transaction().execute((trx) => fn(new KyselySystemOfRecord(trx, this.kind))));
  }
}
