// The audit part of the Kysely system of record: the append-only log and its searches (the port in
// ../ports/audit.ts). Every method maps driver errors (errors.ts).

import type { Kysely } from 'kysely';
import type { AuditStore } from '../ports/audit.ts';
import * as admin from './admin-queries.ts';
import { run } from './errors.ts';
import * as factors from './factor-queries.ts';
import { listOrgAudit } from './org-audit-queries.ts';
import type { Database } from './schema.ts';

export function auditStore(db: Kysely<Database>): AuditStore {
  return {
    appendAudit: (event) => run(() => factors.appendAudit(db, event)),
    listOrgAudit: (query) => run(() => listOrgAudit(db, query)),
    listAudit: (filter) => run(() => factors.listAudit(db, filter)),
    searchAudit: (search) => run(() => admin.searchAudit(db, search)),
  };
}
