// Schema migrations, provided in code to Kysely's Migrator: it records applied migrations in
// kysely_migration and serialises concurrent runs with an advisory lock, so migrate() is
// idempotent and safe to call on every start. Append new migrations; never edit applied ones.

import { type Kysely, type Migration, Migrator, sql } from 'kysely';

const uuidPk = sql`gen_random_uuid()`; // core since PostgreSQL 13, so PGlite has it too

const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('users')
      .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(uuidPk))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createIndex('users_email_lower_key')
      .on('users')
      .unique()
      .expression(sql`lower(email)`)
      .execute();

    await db.schema
      .createTable('organizations')
      .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(uuidPk))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('plan', 'text', (c) => c.notNull().check(sql`plan in ('free', 'paid')`))
      .addColumn('require_mfa_for_all_users', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('sso_enforced', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('sso', 'jsonb')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();

    await db.schema
      .createTable('memberships')
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'admin', 'member')`))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('memberships_pkey', ['user_id', 'org_id'])
      .execute();
    await db.schema.createIndex('memberships_org_id_idx').on('memberships').column('org_id').execute();

    await db.schema
      .createTable('factors')
      .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(uuidPk))
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('totp', 'sms', 'backup_code')`))
      .addColumn('secret_enc', 'text')
      .addColumn('code_hash', 'text')
      .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('last_step', 'bigint')
      .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_at', 'timestamptz')
      .addColumn('used_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('factors_user_id_idx').on('factors').column('user_id').execute();
    // At most one TOTP app and one SMS phone per user; backup codes are many rows.
    await db.schema
      .createIndex('factors_one_totp_sms_per_user')
      .on('factors')
      .columns(['user_id', 'type'])
      .unique()
      .where(sql<boolean>`type in ('totp', 'sms')`)
      .execute();

    // No foreign keys: audit events outlive the users and organisations they mention.
    await db.schema
      .createTable('audit_events')
      .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(uuidPk))
      .addColumn('seq', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity())
      .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
      .addColumn('actor_user_id', 'uuid')
      .addColumn('actor_label', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target_user_id', 'uuid')
      .addColumn('org_id', 'uuid')
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .execute();
    await db.schema.createIndex('audit_events_org_id_idx').on('audit_events').column('org_id').execute();
    await db.schema
      .createIndex('audit_events_target_user_id_idx')
      .on('audit_events')
      .column('target_user_id')
      .execute();
    // Append-only (R3): a statement-level trigger rejects every UPDATE, DELETE and TRUNCATE.
    await sql`
      create function audit_events_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_events is append-only' using errcode = 'insufficient_privilege';
      end
      $$`.execute(db);
    await sql`
      create trigger audit_events_append_only
      before update or delete or truncate on audit_events
      for each statement execute function audit_events_append_only()`.execute(db);
  },
};

// Enterprise SSO (F1): links of upstream subjects to local users, and the domain lookup of
// home-realm discovery. A table rather than the organization's jsonb: the primary key makes one
// upstream subject linkable once (two concurrent first sign-ins cannot both link), a user is linked
// at most once per organization, and deleting a user or an organization removes its links.
const ssoLinks: Migration = {
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
const sessionsValidAfter: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('users').addColumn('sessions_valid_after', 'bigint').execute();
  },
};

// I8: consent of a user to a third-party client, remembered across browser sessions (durable user
// data, so the system of record; the provider's grants are per session and expire). Revoked on the
// security page; deleting the user removes it.
const consents: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('consents')
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('claims', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn('granted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('consents_pkey', ['user_id', 'client_id'])
      .execute();
  },
};

// A2: relying-party clients in the system of record, so every instance sees a change at once. The
// metadata never holds the secret; it is sealed (AES-256-GCM, AAD `client:<id>`) in secret_enc.
const clients: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('clients')
      .addColumn('client_id', 'text', (c) => c.primaryKey())
      .addColumn('metadata', 'jsonb', (c) => c.notNull())
      .addColumn('secret_enc', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
};

// G2, G3: an organization's enforcement date (grace period) and the methods that satisfy MFA.
const rollout: Migration = {
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
const emailVerified: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('users').addColumn('email_verified_at', 'timestamptz').execute();
  },
};

// X9: an organization's branding (display name, accent colour, logo), served from our origin.
const orgBranding: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('org_branding')
      .addColumn('org_id', 'uuid', (c) => c.primaryKey().references('organizations.id').onDelete('cascade'))
      .addColumn('display_name', 'text')
      .addColumn('accent_color', 'text')
      .addColumn('logo', 'bytea')
      .addColumn('logo_type', 'text')
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
};

// U2: invitations by e-mail. Only the SHA-256 of the link's token is kept (V8); a re-send
// replaces it (the old link stops working); accepted_at / revoked_at end an invitation.
const invitations: Migration = {
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

// G4: remembered devices (only the SHA-256 of the browser's token; dropped with the user's
// sessions, V3) and an organization's allowance in days (0: never remembered).
const rememberedDevices: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('organizations')
      .addColumn('remember_device_days', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('remembered_devices')
      .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(uuidPk))
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('browser', 'text')
      .addColumn('ip', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('last_used_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('remembered_devices_user_idx')
      .on('remembered_devices')
      .column('user_id')
      .execute();
  },
};

// W1: passkeys. Each is a `factors` row (type 'passkey': lockout, reset and the last-method rule
// work as for every factor) with its WebAuthn credential here; deleting the factor row deletes it.
const passkeys: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`alter table factors drop constraint factors_type_check`.execute(db);
    await sql`alter table factors add constraint factors_type_check
      check (type in ('totp', 'sms', 'backup_code', 'passkey'))`.execute(db);
    await db.schema
      .createTable('passkeys')
      .addColumn('factor_id', 'uuid', (c) => c.primaryKey().references('factors.id').onDelete('cascade'))
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('credential_id', 'text', (c) => c.notNull().unique())
      .addColumn('public_key', 'bytea', (c) => c.notNull())
      .addColumn('counter', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('transports', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn('aaguid', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('device_type', 'text', (c) => c.notNull())
      .addColumn('backed_up', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('last_used_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('passkeys_user_id_idx').on('passkeys').column('user_id').execute();
  },
};

// Issue 16 item 5: an organization's default country for its members' phone numbers (SMS, S1);
// null: from the browser's language.
const smsCountry: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('organizations').addColumn('sms_default_country', 'text').execute();
  },
};

const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_sso_links': ssoLinks,
  '0003_sessions_valid_after': sessionsValidAfter,
  '0004_consents': consents,
  '0005_clients': clients,
  '0006_rollout': rollout,
  '0007_email_verified': emailVerified,
  '0008_org_branding': orgBranding,
  '0009_invitations': invitations,
  '0010_remembered_devices': rememberedDevices,
  '0011_passkeys': passkeys,
  '0012_sms_country': smsCountry,
};

/** Applies every pending migration; throws the first failure. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
}
