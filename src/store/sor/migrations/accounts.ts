// Schema migrations of accounts and organizations: SSO links, session validity, rollout,
// verified addresses, invitations, the default SMS country.
// Append new migrations; never edit applied ones (the runner: ../migrations.ts).

import { type Kysely, type Migration, sql } from 'kysely';

// Enterprise SSO (F1): links of upstream subjects to local users, and the domain lookup of
// home-realm discovery. A table rather than the organization's jsonb: the primary key makes one
// upstream subject linkable once (two concurrent first sign-ins cannot both link), a user is linked
// at most once per organization, and deleting a user or an organization removes its links.
export const ssoLinks: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('sso_links')
      .addColumn('issuer', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('sso_links_pkey', ['issuer', 'subject'])
      .addUniqueConstraint('sso_links_org_user_key', ['org_id', 'user_id'])
      .execute();
    await db.schema.createIndex('sso_links_user_id_idx').on('sso_links').column('user_id').execute();
    await sql`create index organizations_sso_domains_idx on organizations using gin ((sso -> 'domains'))`.execute(
      db,
    );
  },
};

// V3: a per-user "valid after" epoch that every session and token check compares against, so an
// MFA reset or a removed method voids sessions and tokens even while a request is in flight.
export const sessionsValidAfter: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('users').addColumn('sessions_valid_after', 'bigint').execute();
  },
};

// G2, G3: an organization's enforcement date (grace period) and the methods that satisfy MFA.
export const rollout: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('organizations')
      .addColumn('mfa_enforced_from', 'timestamptz')
      .addColumn('allowed_methods', sql`text[]`)
      .execute();
  },
};

// U5: when the user proved the address (an invitation or a verification link); null: unverified,
// which `email_verified` in the ID token and userinfo says.
export const emailVerified: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('users').addColumn('email_verified_at', 'timestamptz').execute();
  },
};

// U2: invitations by e-mail. Only the SHA-256 of the link's token is kept (V8); a re-send
// replaces it (the old link stops working); accepted_at / revoked_at end an invitation.
export const invitations: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('invitations')
      .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
      .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('invited_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('accepted_at', 'timestamptz')
      .addColumn('revoked_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('invitations_org_idx').on('invitations').column('org_id').execute();
  },
};

// Issue 16 item 5: an organization's default country for its members' phone numbers (SMS, S1);
// null: from the browser's language.
export const smsCountry: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('organizations').addColumn('sms_default_country', 'text').execute();
  },
};
