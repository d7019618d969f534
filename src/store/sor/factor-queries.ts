// Queries on MFA factors and the audit log. The checks that guard sign-in (TOTP replay, one-time
// backup codes, failure counting) are each one conditional UPDATE … RETURNING, so two concurrent
// requests cannot both succeed.

import type { Kysely, Selectable } from 'kysely';
import type { FactorPatch } from '../ports.ts';
import type { AuditEvent, FactorRecord, FactorType, NewAuditEvent, NewFactor } from '../records.ts';
import { isUuid } from './account-queries.ts';
import type { AuditEventsTable, Database, FactorsTable } from './schema.ts';

type Db = Kysely<Database>;

const DEFAULT_AUDIT_LIMIT = 100;

export function toFactor(r: Selectable<FactorsTable>): FactorRecord {
  return {
    id: r.id,
    userId: r.user_id,
    type: r.type,
    secretEnc: r.secret_enc,
    codeHash: r.code_hash,
    data: r.data,
    lastStep: r.last_step === null ? null : Number(r.last_step),
    failedAttempts: r.failed_attempts,
    lockedAt: r.locked_at,
    usedAt: r.used_at,
    createdAt: r.created_at,
  };
}

export function toAudit(r: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: r.id,
    at: r.at,
    actorUserId: r.actor_user_id,
    actorLabel: r.actor_label,
    action: r.action,
    targetUserId: r.target_user_id,
    orgId: r.org_id,
    ip: r.ip,
    userAgent: r.user_agent,
    details: r.details,
  };
}

// --- factors -----------------------------------------------------------------------------------

/** Of one user, or of every user when userId is undefined (key rotation). */
export async function listFactors(db: Db, userId: string | undefined): Promise<FactorRecord[]> {
  if (userId !== undefined && !isUuid(userId)) return [];
  let q = db.selectFrom('factors').selectAll();
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map(toFactor);
}

export async function insertFactor(db: Db, input: NewFactor): Promise<FactorRecord> {
  const row = await db
    .insertInto('factors')
    .values({
      user_id: input.userId,
      type: input.type,
      secret_enc: input.secretEnc ?? null,
      code_hash: input.codeHash ?? null,
      data: JSON.stringify(input.data ?? {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toFactor(row);
}

export async function updateFactor(db: Db, id: string, patch: FactorPatch): Promise<void> {
  const set = {
    secret_enc: patch.secretEnc,
    data: patch.data === undefined ? undefined : JSON.stringify(patch.data),
    failed_attempts: patch.failedAttempts,
    locked_at: patch.lockedAt,
  };
  if (!isUuid(id) || Object.values(set).every((v) => v === undefined)) return;
  await db.updateTable('factors').set(set).where('id', '=', id).execute();
}

export async function deleteFactor(db: Db, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const res = await db.deleteFrom('factors').where('id', '=', id).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

export async function deleteFactorsOfUser(db: Db, userId: string, types?: FactorType[]): Promise<number> {
  if (!isUuid(userId) || types?.length === 0) return 0;
  let q = db.deleteFrom('factors').where('user_id', '=', userId);
  if (types !== undefined) q = q.where('type', 'in', types);
  const res = await q.executeTakeFirst();
  return Number(res.numDeletedRows);
}

export async function advanceTotpStep(db: Db, factorId: string, step: number): Promise<boolean> {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`invalid TOTP step ${step}`);
  if (!isUuid(factorId)) return false;
  const row = await db
    .updateTable('factors')
    .set({ last_step: step, failed_attempts: 0 })
    .where('id', '=', factorId)
    .where('type', '=', 'totp')
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function useBackupCode(db: Db, factorId: string): Promise<boolean> {
  if (!isUuid(factorId)) return false;
  const row = await db
    .updateTable('factors')
    .set((eb) => ({ used_at: eb.fn<Date>('now') }))
    .where('id', '=', factorId)
    .where('type', '=', 'backup_code')
    .where('used_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Returns 0 when the factor no longer exists (e.g. removed while being verified). */
export async function incrementFailedAttempts(db: Db, factorId: string): Promise<number> {
  if (!isUuid(factorId)) return 0;
  const row = await db
    .updateTable('factors')
    .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('id', '=', factorId)
    .returning('failed_attempts')
    .executeTakeFirst();
  return row?.failed_attempts ?? 0;
}

// --- audit -------------------------------------------------------------------------------------

export async function appendAudit(db: Db, event: NewAuditEvent): Promise<AuditEvent> {
  const row = await db
    .insertInto('audit_events')
    .values({
      at: event.at,
      actor_user_id: event.actorUserId,
      actor_label: event.actorLabel,
      action: event.action,
      target_user_id: event.targetUserId,
      org_id: event.orgId,
      ip: event.ip,
      user_agent: event.userAgent,
      details: JSON.stringify(event.details ?? {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAudit(row);
}

/** Newest first; userId matches the event's target user; limit defaults to 100. */
export async function listAudit(
  db: Db,
  filter: { orgId?: string; userId?: string; limit?: number },
): Promise<AuditEvent[]> {
  const { orgId, userId } = filter;
  if ((orgId !== undefined && !isUuid(orgId)) || (userId !== undefined && !isUuid(userId))) return [];
  let q = db.selectFrom('audit_events').selectAll();
  if (orgId !== undefined) q = q.where('org_id', '=', orgId);
  if (userId !== undefined) q = q.where('target_user_id', '=', userId);
  const rows = await q
    .orderBy('at', 'desc')
    .orderBy('seq', 'desc')
    .limit(Math.max(0, Math.trunc(filter.limit ?? DEFAULT_AUDIT_LIMIT)))
    .execute();
  return rows.map(toAudit);
}
