// Schema migrations of factors: remembered devices, passkeys.
// Append new migrations; never edit applied ones (the runner: ../migrations.ts).

import { type Kysely, type Migration, sql } from 'kysely';
import { uuidPk } from './uuid.ts';

// G4: remembered devices (only the SHA-256 of the browser's token; dropped with the user's
// sessions, V3) and an organization's allowance in days (0: never remembered).
export const rememberedDevices: Migration = {
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
export const passkeys: Migration = {
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
