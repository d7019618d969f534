// Schema migrations of relying parties: consents, clients, branding.
// Append new migrations; never edit applied ones (the runner: ../migrations.ts).

import { type Kysely, type Migration, sql } from 'kysely';

// I8: consent of a user to a third-party client, remembered across browser sessions (durable user
// data, so the system of record; the provider's grants are per session and expire). Revoked on the
// security page; deleting the user removes it.
export const consents: Migration = {
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
export const clients: Migration = {
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

// X9: an organization's branding (display name, accent colour, logo), served from our origin.
export const orgBranding: Migration = {
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
