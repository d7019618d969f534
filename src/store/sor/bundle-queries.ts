// A user with their memberships and factors in one round trip (issue 18): the MFA decision's inputs
// (P1–P6), read on every authorization and at the token endpoint. The same rows, mapped by the same
// functions, as findUserById + listMembershipsOfUser + listFactors; the two lists come back as JSON
// (json_agg, ordered as those two queries order them), so their timestamps are turned back into
// Dates and their bigints into numbers here.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { UserBundle } from '../ports.ts';
import { isUuid, toMembership, toOrg, toUser } from './account-queries.ts';
import { toFactor } from './factor-queries.ts';
import type { Database, FactorsTable, OrganizationsTable, UsersTable } from './schema.ts';

type Db = Kysely<Database>;
type Row = Record<string, unknown>;

const dated = (row: Row, columns: readonly string[]): Row => {
  const out = { ...row };
  for (const c of columns) if (typeof out[c] === 'string') out[c] = new Date(out[c] as string);
  return out;
};

const ORG_DATES = ['created_at', 'mfa_enforced_from', 'm_created_at'] as const;
const FACTOR_DATES = ['created_at', 'locked_at', 'used_at'] as const;

export async function loadUserBundle(db: Db, userId: string): Promise<UserBundle | undefined> {
  if (!isUuid(userId)) return undefined;
  const { rows } = await sql<Selectable<UsersTable> & { bundle_memberships: Row[]; bundle_factors: Row[] }>`
    select u.*,
      coalesce((
        select json_agg(x order by x.m_created_at, x.name) from (
          select o.*, m.user_id, m.org_id, m.role, m.created_at as m_created_at
          from memberships m inner join organizations o on o.id = m.org_id
          where m.user_id = u.id
        ) x
      ), '[]') as bundle_memberships,
      coalesce((
        select json_agg(f order by f.created_at, f.id) from factors f where f.user_id = u.id
      ), '[]') as bundle_factors
    from users u where u.id = ${userId}`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  const { bundle_memberships, bundle_factors, ...user } = row;
  const memberships = bundle_memberships.map((m) => {
    const r = dated(m, ORG_DATES) as Selectable<OrganizationsTable> & {
      user_id: string;
      org_id: string;
      role: 'owner' | 'admin' | 'member';
      m_created_at: Date;
    };
    return { ...toMembership(r), org: toOrg(r) };
  });
  const factors = bundle_factors.map((f) => toFactor(dated(f, FACTOR_DATES) as Selectable<FactorsTable>));
  return { user: toUser(user as Selectable<UsersTable>), memberships, factors };
}
