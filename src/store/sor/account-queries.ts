// Queries on users, organizations and memberships. Each takes the Kysely instance (or transaction)
// to run on; kysely-store.ts maps their errors.

import type { Kysely, Selectable } from 'kysely';
import type { NewUser, OrgPatch } from '../ports.ts';
import type {
  FactorType,
  MembershipWithOrg,
  MembershipWithUser,
  Organization,
  Plan,
  Role,
  User,
} from '../records.ts';
import type { Database, OrganizationsTable, UsersTable } from './schema.ts';

type Db = Kysely<Database>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids that cannot exist are answered locally: PostgreSQL would reject them as malformed uuids. */
export const isUuid = (id: string): boolean => UUID.test(id);

export function toUser(r: Selectable<UsersTable>): User {
  return {
    id: r.id,
    email: r.email,
    passwordHash: r.password_hash,
    // bigint comes back as a string from pg and as a number from PGlite.
    sessionsValidAfter: Number(r.sessions_valid_after ?? 0),
    emailVerifiedAt: r.email_verified_at ?? null,
    createdAt: r.created_at,
  };
}

export function toOrg(r: Selectable<OrganizationsTable>): Organization {
  return {
    id: r.id,
    name: r.name,
    plan: r.plan,
    requireMfaForAllUsers: r.require_mfa_for_all_users,
    ssoEnforced: r.sso_enforced,
    sso: r.sso,
    mfaEnforcedFrom: r.mfa_enforced_from ?? null,
    allowedMethods: (r.allowed_methods as FactorType[] | null) ?? null,
    rememberDeviceDays: r.remember_device_days ?? 0,
    smsDefaultCountry: r.sms_default_country ?? null,
    createdAt: r.created_at,
  };
}

export function toMembership(r: { user_id: string; org_id: string; role: Role; m_created_at: Date }) {
  return { userId: r.user_id, orgId: r.org_id, role: r.role, createdAt: r.m_created_at };
}

// --- users -------------------------------------------------------------------------------------

export async function createUser(db: Db, input: NewUser): Promise<User> {
  const row = await db
    .insertInto('users')
    .values({
      email: input.email.trim(),
      password_hash: input.passwordHash,
      email_verified_at: input.emailVerified ? new Date() : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toUser(row);
}

/** U5: marks the address verified, only while it is still the user's address; false otherwise. */
export async function markEmailVerified(db: Db, userId: string, email: string): Promise<boolean> {
  if (!isUuid(userId)) return false;
  const rows = await db
    .updateTable('users')
    .set({ email_verified_at: new Date() })
    .where('id', '=', userId)
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
    .executeTakeFirst();
  return Number(rows.numUpdatedRows) > 0;
}

export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toUser(row);
}

/** Matches lower(email) = lower($1), which the unique index users_email_lower_key serves. */
export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', eb.fn('lower', [eb.val(email.trim())])))
    .executeTakeFirst();
  return row && toUser(row);
}

export async function listUsers(db: Db): Promise<User[]> {
  const rows = await db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toUser);
}

export async function setPasswordHash(db: Db, userId: string, passwordHash: string): Promise<void> {
  if (!isUuid(userId)) return;
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}

/**
 * V3: voids every session and token of the user authenticated before `notBefore` (epoch seconds).
 * Never moves backwards; returns the value in force, or undefined for an unknown user.
 */
export async function revokeSessionsBefore(
  db: Db,
  userId: string,
  notBefore: number,
): Promise<number | undefined> {
  if (!isUuid(userId)) return undefined;
  const row = await db
    .updateTable('users')
    .set((eb) => ({
      sessions_valid_after: eb.fn('greatest', [
        eb.fn.coalesce('sessions_valid_after', eb.val(0)),
        eb.val(notBefore),
      ]),
    }))
    .where('id', '=', userId)
    .returning('sessions_valid_after')
    .executeTakeFirst();
  return row ? Number(row.sessions_valid_after) : undefined;
}

// --- organizations -----------------------------------------------------------------------------

export async function createOrg(
  db: Db,
  input: { name: string; plan: Plan; requireMfaForAllUsers?: boolean },
): Promise<Organization> {
  const row = await db
    .insertInto('organizations')
    .values({
      name: input.name,
      plan: input.plan,
      require_mfa_for_all_users: input.requireMfaForAllUsers ?? false,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toOrg(row);
}

export async function findOrgById(db: Db, id: string): Promise<Organization | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toOrg(row);
}

export async function listOrgs(db: Db): Promise<Organization[]> {
  const rows = await db.selectFrom('organizations').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toOrg);
}

export async function updateOrg(db: Db, id: string, patch: OrgPatch): Promise<Organization | undefined> {
  if (!isUuid(id)) return undefined;
  const set = {
    name: patch.name,
    plan: patch.plan,
    require_mfa_for_all_users: patch.requireMfaForAllUsers,
    sso_enforced: patch.ssoEnforced,
    sso: patch.sso === undefined ? undefined : patch.sso === null ? null : JSON.stringify(patch.sso),
    mfa_enforced_from: patch.mfaEnforcedFrom,
    allowed_methods: patch.allowedMethods,
    remember_device_days: patch.rememberDeviceDays,
    sms_default_country: patch.smsDefaultCountry,
  };
  if (Object.values(set).every((v) => v === undefined)) return findOrgById(db, id);
  const row = await db
    .updateTable('organizations')
    .set(set)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row && toOrg(row);
}

// --- memberships -------------------------------------------------------------------------------

export async function setMembership(db: Db, userId: string, orgId: string, role: Role): Promise<void> {
  await db
    .insertInto('memberships')
    .values({ user_id: userId, org_id: orgId, role })
    .onConflict((oc) => oc.columns(['user_id', 'org_id']).doUpdateSet({ role }))
    .execute();
}

export async function removeMembership(db: Db, userId: string, orgId: string): Promise<boolean> {
  if (!isUuid(userId) || !isUuid(orgId)) return false;
  const res = await db
    .deleteFrom('memberships')
    .where('user_id', '=', userId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return res.numDeletedRows > 0n;
}

export async function listMembershipsOfUser(db: Db, userId: string): Promise<MembershipWithOrg[]> {
  if (!isUuid(userId)) return [];
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('organizations as o', 'o.id', 'm.org_id')
    .selectAll('o')
    .select(['m.user_id', 'm.org_id', 'm.role', 'm.created_at as m_created_at'])
    .where('m.user_id', '=', userId)
    .orderBy('m.created_at')
    .orderBy('o.name')
    .execute();
  return rows.map((r) => ({ ...toMembership(r), org: toOrg(r) }));
}

export async function listMembersOfOrg(db: Db, orgId: string): Promise<MembershipWithUser[]> {
  if (!isUuid(orgId)) return [];
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .selectAll('u')
    .select(['m.user_id', 'm.org_id', 'm.role', 'm.created_at as m_created_at'])
    .where('m.org_id', '=', orgId)
    .orderBy('m.created_at')
    .orderBy('u.email')
    .execute();
  return rows.map((r) => ({ ...toMembership(r), user: toUser(r) }));
}
