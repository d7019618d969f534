// I8: consents of users to third-party clients (one row per user and client).
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Consent } from '../records.ts';
import { isUuid } from './account-queries.ts';
import type { ConsentsTable, Database } from './schema.ts';

type Db = Kysely<Database>;

function toConsent(r: Selectable<ConsentsTable>): Consent {
  return {
    userId: r.user_id,
    clientId: r.client_id,
    scopes: r.scopes.split(' ').filter(Boolean),
    claims: r.claims,
    grantedAt: r.granted_at,
  };
}

export async function findConsent(db: Db, userId: string, clientId: string): Promise<Consent | undefined> {
  if (!isUuid(userId)) return undefined;
  const row = await db
    .selectFrom('consents')
    .selectAll()
    .where('user_id', '=', userId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return row && toConsent(row);
}

export async function listConsents(db: Db, userId: string): Promise<Consent[]> {
  if (!isUuid(userId)) return [];
  const rows = await db
    .selectFrom('consents')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('granted_at', 'desc')
    .execute();
  return rows.map(toConsent);
}

/** Upsert in one statement; a second consent adds to the first (the union), so races lose nothing. */
export async function saveConsent(
  db: Db,
  input: { userId: string; clientId: string; scopes: string[]; claims: string[] },
): Promise<void> {
  await db
    .insertInto('consents')
    .values({
      user_id: input.userId,
      client_id: input.clientId,
      scopes: [...new Set(input.scopes)].join(' '),
      claims: JSON.stringify([...new Set(input.claims)]),
    })
    .onConflict((oc) =>
      oc.columns(['user_id', 'client_id']).doUpdateSet({
        scopes: sql`(select string_agg(distinct s, ' ') from unnest(string_to_array(consents.scopes || ' ' || excluded.scopes, ' ')) as s where s <> '')`,
        claims: sql`(select coalesce(jsonb_agg(distinct c), '[]'::jsonb) from (select jsonb_array_elements_text(consents.claims || excluded.claims) as c) as x)`,
        granted_at: sql`now()`,
      }),
    )
    .execute();
}

export async function deleteConsent(db: Db, userId: string, clientId: string): Promise<boolean> {
  if (!isUuid(userId)) return false;
  const result = await db
    .deleteFrom('consents')
    .where('user_id', '=', userId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
