// A5: the owner's audit log of one organization — its own events, and the account events (factor
// changes, lockouts, resets by support) of its current members that belong to no organization.
// Filters (action, member, time range) and a keyset cursor on (at, seq), newest first.
import { type Kysely, sql } from 'kysely';
import type { OrgAuditEntry, OrgAuditQuery } from '../ports.ts';
import { isUuid } from './account-queries.ts';
import type { Database } from './schema.ts';

type Db = Kysely<Database>;

export async function listOrgAudit(db: Db, query: OrgAuditQuery): Promise<OrgAuditEntry[]> {
  const { orgId } = query;
  if (!isUuid(orgId) || (query.memberId !== undefined && !isUuid(query.memberId))) return [];
  let q = db
    .selectFrom('audit_events as e')
    .leftJoin('users as actor', 'actor.id', 'e.actor_user_id')
    .leftJoin('users as target', 'target.id', 'e.target_user_id')
    .select([
      'e.id',
      'e.seq',
      'e.at',
      'e.actor_user_id',
      'e.actor_label',
      'e.action',
      'e.target_user_id',
      'e.org_id',
      'e.ip',
      'e.user_agent',
      'e.details',
      'actor.email as actor_email',
      'target.email as target_email',
    ])
    .where((eb) =>
      eb.or([
        eb('e.org_id', '=', orgId),
        eb.and([
          eb('e.org_id', 'is', null),
          eb(
            'e.target_user_id',
            'in',
            eb.selectFrom('memberships').select('user_id').where('org_id', '=', orgId),
          ),
        ]),
      ]),
    );
  if (query.action) q = q.where('e.action', '=', query.action);
  if (query.memberId) q = q.where('e.target_user_id', '=', query.memberId);
  if (query.from) q = q.where('e.at', '>=', query.from);
  if (query.to) q = q.where('e.at', '<', query.to);
  if (query.before) {
    const { at, seq } = query.before;
    q = q.where(sql<boolean>`(e.at, e.seq) < (${at}, ${seq})`);
  }
  const rows = await q.orderBy('e.at', 'desc').orderBy('e.seq', 'desc').limit(query.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    seq: Number(r.seq),
    at: r.at,
    actorUserId: r.actor_user_id,
    actorLabel: r.actor_label,
    action: r.action,
    targetUserId: r.target_user_id,
    orgId: r.org_id,
    ip: r.ip,
    userAgent: r.user_agent,
    details: r.details,
    actorEmail: r.actor_email,
    targetEmail: r.target_email,
  }));
}
