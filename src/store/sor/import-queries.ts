// A4: bulk import of users — one batch of rows in multi-row inserts (users, memberships, factors)
// on the caller's transaction. Idempotent by e-mail: a row whose e-mail exists is left as it is.
import type { Kysely } from 'kysely';
import type { ImportedUser } from '../ports.ts';
import type { Database } from './schema.ts';

type Db = Kysely<Database>;

/** Inserts the rows whose e-mail is new (case-insensitive); returns the e-mails already present. */
export async function importUsers(
  db: Db,
  rows: ImportedUser[],
  actorLabel: string,
): Promise<{ existing: string[] }> {
  if (rows.length === 0) return { existing: [] };
  const lowered = rows.map((r) => r.email.toLowerCase());
  const found = await db
    .selectFrom('users')
    .select((eb) => eb.fn<string>('lower', ['email']).as('email'))
    .where((eb) => eb(eb.fn('lower', ['email']), 'in', lowered))
    .execute();
  const existing = new Set(found.map((r) => r.email));
  const fresh = rows.filter((r) => !existing.has(r.email.toLowerCase()));
  if (fresh.length > 0) {
    await db
      .insertInto('users')
      .values(
        fresh.map((r) => ({
          id: r.id,
          email: r.email,
          password_hash: r.passwordHash,
          email_verified_at: r.emailVerified ? new Date() : null, // U5: as the file says
        })),
      )
      .execute();
    const memberships = fresh.flatMap((r) =>
      r.memberships.map((m) => ({ user_id: r.id, org_id: m.orgId, role: m.role })),
    );
    if (memberships.length > 0) await db.insertInto('memberships').values(memberships).execute();
    const factors = fresh.flatMap((r) =>
      r.totpSecretEnc
        ? [{ user_id: r.id, type: 'totp' as const, secret_enc: r.totpSecretEnc, data: '{}' }]
        : [],
    );
    if (factors.length > 0) await db.insertInto('factors').values(factors).execute();
    // R3/A5: one `user.imported` event per user, in the organization it joined (if any).
    await db
      .insertInto('audit_events')
      .values(
        fresh.map((r) => ({
          actor_user_id: null,
          actor_label: actorLabel,
          action: 'user.imported',
          target_user_id: r.id,
          org_id: r.memberships[0]?.orgId ?? null,
          ip: null,
          user_agent: null,
          details: JSON.stringify({
            totp: r.totpSecretEnc !== null,
            roles: r.memberships.map((m) => m.role),
          }),
        })),
      )
      .execute();
  }
  return { existing: rows.filter((r) => existing.has(r.email.toLowerCase())).map((r) => r.email) };
}
