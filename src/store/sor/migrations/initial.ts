// The first schema: users, organizations and memberships, factors, and the append-only audit log.
// Append new migrations; never edit applied ones (the runner: ../migrations.ts).

import { type Kysely, type Migration, sql } from 'kysely';
import { uuidPk } from './uuid.ts';

export const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await createAccountTables(db);
    await createFactorTable(db);
    await createAuditTable(db);
  },
};

/** users (e-mail unique case-insensitively), organizations, memberships. */
async function createAccountTables(db: Kysely<unknown>): Promise<void> {
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
}

async function createFactorTable(db: Kysely<unknown>): Promise<void> {
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
}

async function createAuditTable(db: Kysely<unknown>): Promise<void> {
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
}
