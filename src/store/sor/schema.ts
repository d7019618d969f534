// Kysely table types for the system of record. Column names are the SQL names (snake_case);
// kysely-store.ts maps rows to the camelCase records of ../records.ts.

import type { ColumnType, Generated } from 'kysely';
import type { FactorType, Plan, Role, SsoSettings } from '../records.ts';

/** A timestamptz column that has a database default (now()). */
type CreatedAt = ColumnType<Date, Date | undefined, never>;

/**
 * A jsonb column: selected as the parsed value, written as JSON text (both drivers accept a string
 * for a jsonb parameter, while pg would turn a JS array into a PostgreSQL array).
 */
type Jsonb<T> = ColumnType<T, string, string>;

export interface UsersTable {
  id: Generated<string>;
  email: string;
  password_hash: string;
  /** V3: epoch seconds; sessions and tokens authenticated before it are void (null: none yet). */
  sessions_valid_after: ColumnType<string | number | null, never, number>;
  /** U5: when the address was verified (null: not verified). */
  email_verified_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: CreatedAt;
}

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  plan: Plan;
  require_mfa_for_all_users: Generated<boolean>;
  sso_enforced: Generated<boolean>;
  sso: ColumnType<SsoSettings | null, string | null | undefined, string | null>;
  mfa_enforced_from: ColumnType<Date | null, Date | null | undefined, Date | null>;
  allowed_methods: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
  remember_device_days: ColumnType<number, number | undefined, number>;
  sms_default_country: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export interface MembershipsTable {
  user_id: string;
  org_id: string;
  role: Role;
  created_at: CreatedAt;
}

export interface FactorsTable {
  id: Generated<string>;
  user_id: string;
  type: FactorType;
  secret_enc: string | null;
  code_hash: string | null;
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  /** bigint: pg returns it as a string, PGlite as a number. */
  last_step: ColumnType<string | number | null, number | null | undefined, number | null>;
  failed_attempts: Generated<number>;
  locked_at: Date | null;
  used_at: Date | null;
  created_at: CreatedAt;
}

export interface AuditEventsTable {
  id: Generated<string>;
  /** Insertion order, to list events of equal `at` (one transaction) stably. */
  seq: ColumnType<string | number, never, never>;
  at: ColumnType<Date, Date | undefined, never>;
  actor_user_id: string | null;
  actor_label: string | null;
  action: string;
  target_user_id: string | null;
  org_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Jsonb<Record<string, unknown>>;
}

export interface SsoLinksTable {
  issuer: string;
  subject: string;
  org_id: string;
  user_id: string;
  created_at: CreatedAt;
}

export interface ConsentsTable {
  user_id: string;
  client_id: string;
  scopes: string;
  claims: Jsonb<string[]>;
  granted_at: ColumnType<Date, Date | undefined, Date>;
}

/** G4: a remembered device; the token only as its SHA-256. */
export interface RememberedDevicesTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  browser: string | null;
  ip: string | null;
  created_at: CreatedAt;
  last_used_at: ColumnType<Date, Date | undefined, Date>;
  expires_at: Date;
}

/** A2: a relying-party client; the secret only sealed. */
export interface ClientsTable {
  client_id: string;
  metadata: Jsonb<Record<string, unknown>>;
  secret_enc: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** X9: an organization's branding. */
export interface OrgBrandingTable {
  org_id: string;
  display_name: string | null;
  accent_color: string | null;
  logo: Uint8Array | null;
  logo_type: string | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** U2: an invitation; the token only as its SHA-256. */
export interface InvitationsTable {
  id: Generated<string>;
  org_id: string;
  email: string;
  role: Role;
  token_hash: string;
  invited_by: string | null;
  created_at: CreatedAt;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}

/** W1: a passkey's credential; its factor row holds the lockout state. */
export interface PasskeysTable {
  factor_id: string;
  user_id: string;
  credential_id: string;
  public_key: Uint8Array;
  /** bigint: pg returns it as a string, PGlite as a number. */
  counter: ColumnType<string | number, number, number>;
  transports: Jsonb<string[]>;
  aaguid: string;
  name: string;
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: boolean;
  created_at: CreatedAt;
  last_used_at: ColumnType<Date | null, never, Date | null>;
}

export interface Database {
  users: UsersTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  factors: FactorsTable;
  audit_events: AuditEventsTable;
  sso_links: SsoLinksTable;
  consents: ConsentsTable;
  remembered_devices: RememberedDevicesTable;
  clients: ClientsTable;
  org_branding: OrgBrandingTable;
  invitations: InvitationsTable;
  passkeys: PasskeysTable;
}
