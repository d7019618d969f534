// A1: queries only the admin API needs: deleting users and organizations, changing an e-mail, and
// searching the audit log with filters and a keyset cursor (at, seq).

import { type Kysely, sql } from 'kysely';
import type { AuditEventWithSeq, AuditSearch, User } from '../records.ts';
import { isUuid, toUser } from './account-queries.ts';
import { toAudit } from './factor-queries.ts';
import type { Database } from './schema.ts';

type Db = Kysely<Database>;

/** Memberships, factors, links and consents go with the user (ON DELETE CASCADE). */
export async function deleteUser(db: Db, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const res = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function deleteOrg(db: Db, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const res = await db.deleteFrom('organizations').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** ConflictError (mapped by the store) when another user has the e-mail. */
export async function setEmail(db: Db, id: string, email: string): Promise<User | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db
    .updateTable('users')
    .set({ email: email.trim(), email_verified_at: null }) // U5: a new address is unverified
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row && toUser(row);
}

/** Newest first; `before` continues after the last event of the previous page. */
export async function searchAudit(db: Db, s: AuditSearch): Promise<AuditEventWithSeq[]> {
  if ((s.orgId !== undefined && !isUuid(s.orgId)) || (s.userId !== undefined && !isUuid(s.userId))) return [];
  let q = db.selectFrom('audit_events').selectAll();
  if (s.orgId !== undefined) q = q.where('org_id', '=', s.orgId);
  if (s.userId !== undefined) q = q.where('target_user_id', '=', s.userId);
  if (s.action !== undefined) q = q.where('action', '=', s.action);
  if (s.since) q = q.where('at', '>=', s.since);
  if (s.until) q = q.where('at', '<', s.until);
  if (s.before) {
    // Full-precision keyset (at is microseconds in the database), looked up by the cursor's seq.
    const seq = s.before;
    q = q.where(
      sql<boolean>`(at, seq) < (select e.at, e.seq from audit_events e where e.seq = ${seq}::bigint)`,
    );
  }
  const rows = await q.orderBy('at', 'desc').orderBy('seq', 'desc').limit(s.limit).execute();
  return rows.map((r) => ({ ...toAudit(r), seq: String(r.seq) }));
}
