// System-of-record port, audit: the append-only log (R3) and its searches (part of SystemOfRecord
// in ../ports.ts).

import type { AuditEvent, AuditEventWithSeq, AuditSearch, NewAuditEvent } from '../records.ts';

/** A5: the owner's audit log query; `before` is the cursor (the last entry of the previous page). */
export interface OrgAuditQuery {
  orgId: string;
  action?: string;
  memberId?: string;
  from?: Date;
  to?: Date;
  before?: { at: Date; seq: number };
  limit: number;
}

export interface OrgAuditEntry extends AuditEvent {
  seq: number;
  actorEmail: string | null;
  targetEmail: string | null;
}

export interface AuditStore {
  appendAudit(event: NewAuditEvent): Promise<AuditEvent>;
  /** A5: an organization's audit log with its members' account events, newest first (cursor). */
  listOrgAudit(query: OrgAuditQuery): Promise<OrgAuditEntry[]>;
  listAudit(filter: { orgId?: string; userId?: string; limit?: number }): Promise<AuditEvent[]>;
  /** A1: filtered audit events, newest first, keyset-paged by (at, seq). */
  searchAudit(search: AuditSearch): Promise<AuditEventWithSeq[]>;
}
