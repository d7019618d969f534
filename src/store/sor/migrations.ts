// Schema migrations, provided in code to Kysely's Migrator: it records applied migrations in
// kysely_migration and serialises concurrent runs with an advisory lock, so migrate() is
// idempotent and safe to call on every start. The migrations live by domain in migrations/;
// append new ones (and their line below); never edit applied ones.

import { type Kysely, type Migration, Migrator } from 'kysely';
import * as accounts from './migrations/accounts.ts';
import * as clients from './migrations/clients.ts';
import * as factors from './migrations/factors.ts';
import { initial } from './migrations/initial.ts';

const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_sso_links': accounts.ssoLinks,
  '0003_sessions_valid_after': accounts.sessionsValidAfter,
  '0004_consents': clients.consents,
  '0005_clients': clients.clients,
  '0006_rollout': accounts.rollout,
  '0007_email_verified': accounts.emailVerified,
  '0008_org_branding': clients.orgBranding,
  '0009_invitations': accounts.invitations,
  '0010_remembered_devices': factors.rememberedDevices,
  '0011_passkeys': factors.passkeys,
  '0012_sms_country': accounts.smsCountry,
};

/** Applies every pending migration; throws the first failure. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
}
