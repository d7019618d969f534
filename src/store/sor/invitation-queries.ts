// U2: invitations in the system of record. Tokens arrive here already hashed (SHA-256).
import type { Kysely, Selectable } from 'kysely';
import type { NewInvitation } from '../ports.ts';
import type { Invitation } from '../records.ts';
import { isUuid } from './account-queries.ts';
import type { Database, InvitationsTable } from './schema.ts';

type Db = Kysely<Database>;

const toInvitation = (r: Selectable<InvitationsTable>): Invitation => ({
  id: r.id,
  orgId: r.org_id,
  email: r.email,
  role: r.role,
  invitedBy: r.invited_by,
  createdAt: new Date(r.created_at),
  expiresAt: new Date(r.expires_at),
  acceptedAt: r.accepted_at ? new Date(r.accepted_at) : null,
  revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
});

export async function createInvitation(db: Db, input: NewInvitation): Promise<Invitation> {
  const row = await db
    .insertInto('invitations')
    .values({
      org_id: input.orgId,
      email: input.email,
      role: input.role,
      token_hash: input.tokenHash,
      invited_by: input.invitedBy,
      expires_at: input.expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toInvitation(row);
}

export async function findInvitationByTokenHash(db: Db, tokenHash: string): Promise<Invitation | undefined> {
  const row = await db
    .selectFrom('invitations')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row ? toInvitation(row) : undefined;
}

export async function findInvitation(db: Db, orgId: string, id: string): Promise<Invitation | undefined> {
  if (!isUuid(orgId) || !isUuid(id)) return undefined;
  const row = await db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toInvitation(row) : undefined;
}

/** Open invitations (neither accepted nor revoked), newest first; expired ones included. */
export async function listOpenInvitations(db: Db, orgId: string): Promise<Invitation[]> {
  if (!isUuid(orgId)) return [];
  const rows = await db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map(toInvitation);
}

const open = (db: Db, id: string) =>
  db
    .updateTable('invitations')
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null);

/** A re-send: a new token (the old link stops working) and a new expiry. False when not open. */
export async function renewInvitation(
  db: Db,
  id: string,
  tokenHash: string,
  expiresAt: Date,
): Promise<boolean> {
  if (!isUuid(id)) return false;
  const res = await open(db, id).set({ token_hash: tokenHash, expires_at: expiresAt }).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Ends an open invitation; true only for the one caller that ended it (single use). */
export async function closeInvitation(db: Db, id: string, how: 'accepted' | 'revoked'): Promise<boolean> {
  if (!isUuid(id)) return false;
  const now = new Date();
  const patch = how === 'accepted' ? { accepted_at: now } : { revoked_at: now };
  let q = open(db, id).set(patch);
  if (how === 'accepted') q = q.where('expires_at', '>', now);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
