// Queries of enterprise SSO (F1): home-realm discovery by e-mail domain, and the links of upstream
// subjects to local users. kysely-store.ts maps their errors (a second link is a ConflictError).

import { type Kysely, type Selectable, sql } from 'kysely';
import type { Organization, SsoLink } from '../records.ts';
import { isUuid, toOrg } from './account-queries.ts';
import type { Database, SsoLinksTable } from './schema.ts';

type Db = Kysely<Database>;

function toLink(r: Selectable<SsoLinksTable>): SsoLink {
  return {
    issuer: r.issuer,
    subject: r.subject,
    orgId: r.org_id,
    userId: r.user_id,
    createdAt: r.created_at,
  };
}

/**
 * Domains are stored lower-case (src/sso/settings.ts); `@>` on the jsonb array is served by the GIN
 * index organizations_sso_domains_idx.
 */
export async function findOrgsBySsoDomain(db: Db, domain: string): Promise<Organization[]> {
  const wanted = domain.trim().toLowerCase();
  // X1: no configured domain holds a control character or a lone surrogate, and PostgreSQL's jsonb
  // refuses them (\u0000): such input matches nothing rather than failing the request.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
  if (!wanted || /[\u0000-\u001f\u007f]/.test(wanted) || !wanted.isWellFormed()) return [];
  const rows = await db
    .selectFrom('organizations')
    .selectAll()
    .where(sql<boolean>`sso -> 'domains' @> ${JSON.stringify([wanted])}::jsonb`)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toOrg);
}

/** Whether any organization has an SSO connection: one row at most. */
export async function anySsoConnection(db: Db): Promise<boolean> {
  const row = await db
    .selectFrom('organizations')
    .select('id')
    .where('sso', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function findSsoLink(db: Db, issuer: string, subject: string): Promise<SsoLink | undefined> {
  const row = await db
    .selectFrom('sso_links')
    .selectAll()
    .where('issuer', '=', issuer)
    .where('subject', '=', subject)
    .executeTakeFirst();
  return row && toLink(row);
}

export async function createSsoLink(
  db: Db,
  input: { issuer: string; subject: string; orgId: string; userId: string },
): Promise<SsoLink> {
  const row = await db
    .insertInto('sso_links')
    .values({ issuer: input.issuer, subject: input.subject, org_id: input.orgId, user_id: input.userId })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toLink(row);
}

export async function deleteSsoLinksOfOrg(db: Db, orgId: string): Promise<number> {
  if (!isUuid(orgId)) return 0;
  const res = await db.deleteFrom('sso_links').where('org_id', '=', orgId).executeTakeFirst();
  return Number(res.numDeletedRows);
}
