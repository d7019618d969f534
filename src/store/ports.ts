// Store ports. Every port has two adapters (a real server and an embedded default) that pass one
// contract suite in test/store/. Routes and the provider depend on these interfaces only.

import type { Adapter } from 'oidc-provider';
import type { ChangeFeed } from './ephemeral/change-feed.ts';
import type {
  AuditEvent,
  AuditEventWithSeq,
  AuditSearch,
  BrandingPatch,
  ClientRecord,
  Consent,
  FactorRecord,
  FactorType,
  Invitation,
  MembershipWithOrg,
  MembershipWithUser,
  NewAuditEvent,
  NewFactor,
  NewPasskey,
  NewRememberedDevice,
  Organization,
  OrgBranding,
  PasskeyRecord,
  Plan,
  RememberedDevice,
  Role,
  SsoLink,
  SsoSettings,
  User,
} from './records.ts';

/** Thrown by any adapter when its backing server cannot be reached; rendered as 503 (X2). */
export class StoreUnavailableError extends Error {
  readonly store: 'database' | 'redis';
  constructor(store: 'database' | 'redis', cause?: unknown) {
    super(`${store} is unavailable`, { cause });
    this.name = 'StoreUnavailableError';
    this.store = store;
  }
}

/** Thrown on a unique-constraint violation (e.g. an e-mail already registered). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

export interface OrgPatch {
  name?: string;
  plan?: Plan;
  requireMfaForAllUsers?: boolean;
  ssoEnforced?: boolean;
  sso?: SsoSettings | null;
  /** G2 */
  mfaEnforcedFrom?: Date | null;
  /** G3 */
  allowedMethods?: FactorType[] | null;
  /** G4 */
  rememberDeviceDays?: number;
  smsDefaultCountry?: string | null;
}

export interface FactorPatch {
  secretEnc?: string | null;
  data?: Record<string, unknown>;
  failedAttempts?: number;
  lockedAt?: Date | null;
}

/** System of record: PostgreSQL (pg) or PGlite, one query layer (Kysely). */
/** A new user; U5: the address counts as verified only when the caller says so. */
export interface NewUser {
  email: string;
  passwordHash: string;
  emailVerified?: boolean;
}

/** U2: a new invitation; the token only as its SHA-256. */
export interface NewInvitation {
  orgId: string;
  email: string;
  role: Role;
  tokenHash: string;
  invitedBy: string | null;
  expiresAt: Date;
}

export interface SystemOfRecord {
  readonly kind: 'postgres' | 'pglite';
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Runs fn in one transaction; the store passed to fn is bound to it. */
  transaction<T>(fn: (tx: SystemOfRecord) => Promise<T>): Promise<T>;

  /** ConflictError on a duplicate address; unverified (U5) unless `emailVerified`. */
  createUser(input: NewUser): Promise<User>;
  /** U5: the address is verified — only while it is still the user's (false otherwise). */
  markEmailVerified(userId: string, email: string): Promise<boolean>;
  findUserById(id: string): Promise<User | undefined>;
  findUserByEmail(email: string): Promise<User | undefined>; // case-insensitive
  listUsers(): Promise<User[]>;
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;
  /**
   * V3: voids every session and token of the user authenticated before `notBefore` (epoch
   * seconds); never moves backwards. Returns the value in force (undefined: no such user).
   */
  revokeSessionsBefore(userId: string, notBefore: number): Promise<number | undefined>;

  createOrg(input: { name: string; plan: Plan; requireMfaForAllUsers?: boolean }): Promise<Organization>;
  findOrgById(id: string): Promise<Organization | undefined>;
  listOrgs(): Promise<Organization[]>;
  updateOrg(id: string, patch: OrgPatch): Promise<Organization | undefined>;
  /** Organizations whose SSO connection covers this e-mail domain (case-insensitive) (F1). */
  findOrgsBySsoDomain(domain: string): Promise<Organization[]>;
  /** Whether any organization has an SSO connection (the sign-in page's SSO button, issue 16). */
  anySsoConnection(): Promise<boolean>;

  /** The link of an upstream subject (issuer + sub) to a local user, if any (F1). */
  findSsoLink(issuer: string, subject: string): Promise<SsoLink | undefined>;
  /** Links an upstream subject; ConflictError when the subject, or the user in that org, is linked. */
  createSsoLink(input: { issuer: string; subject: string; orgId: string; userId: string }): Promise<SsoLink>;
  /** Removes the links made through an organization's connection (when it is removed or re-pointed). */
  deleteSsoLinksOfOrg(orgId: string): Promise<number>;

  /** I8: the user's consent to a client, if any. */
  findConsent(userId: string, clientId: string): Promise<Consent | undefined>;
  /** I8: records a consent; scopes and claims already allowed are kept (union), granted_at is now. */
  saveConsent(input: { userId: string; clientId: string; scopes: string[]; claims: string[] }): Promise<void>;
  listConsents(userId: string): Promise<Consent[]>;
  deleteConsent(userId: string, clientId: string): Promise<boolean>;

  // G4: remembered devices (the token only as its SHA-256).
  createRememberedDevice(input: NewRememberedDevice): Promise<RememberedDevice>;
  /** The device of this token hash while it has not expired. */
  findRememberedDeviceByTokenHash(tokenHash: string): Promise<RememberedDevice | undefined>;
  /** The user's device while it has not expired. */
  findRememberedDevice(userId: string, id: string): Promise<RememberedDevice | undefined>;
  /** The user's devices that have not expired, most recently used first. */
  listRememberedDevices(userId: string): Promise<RememberedDevice[]>;
  /** Records a use now, from this address. */
  touchRememberedDevice(id: string, ip: string | null): Promise<void>;
  deleteRememberedDevice(userId: string, id: string): Promise<boolean>;
  /** Every device of the user (V3); returns the count. */
  deleteRememberedDevicesOfUser(userId: string): Promise<number>;

  /** Adds or changes (upsert) a membership. */
  setMembership(userId: string, orgId: string, role: Role): Promise<void>;
  removeMembership(userId: string, orgId: string): Promise<boolean>;
  listMembershipsOfUser(userId: string): Promise<MembershipWithOrg[]>;
  listMembersOfOrg(orgId: string): Promise<MembershipWithUser[]>;

  // U2: invitations.
  createInvitation(input: NewInvitation): Promise<Invitation>;
  findInvitationByTokenHash(tokenHash: string): Promise<Invitation | undefined>;
  findInvitation(orgId: string, id: string): Promise<Invitation | undefined>;
  /** Neither accepted nor revoked (expired ones included), newest first. */
  listOpenInvitations(orgId: string): Promise<Invitation[]>;
  /** A re-send: new token hash and expiry; false when the invitation is no longer open. */
  renewInvitation(id: string, tokenHash: string, expiresAt: Date): Promise<boolean>;
  /** Accepts (only before expiry) or revokes an open invitation; true for the one caller that did. */
  closeInvitation(id: string, how: 'accepted' | 'revoked'): Promise<boolean>;

  listFactors(userId: string): Promise<FactorRecord[]>;
  /** Every factor row of every user: used by key rotation only. */
  listFactorsWithSecrets(): Promise<FactorRecord[]>;
  insertFactor(input: NewFactor): Promise<FactorRecord>;
  updateFactor(id: string, patch: FactorPatch): Promise<void>;
  deleteFactor(id: string): Promise<boolean>;
  /** Deletes a user's factors of the given types (all types when omitted); returns the count. */
  deleteFactorsOfUser(userId: string, types?: FactorType[]): Promise<number>;
  /**
   * Atomically records an accepted TOTP step: succeeds only when step > lastStep (or lastStep is
   * null), also resetting failedAttempts. false means a replay of the same or an earlier step.
   */
  advanceTotpStep(factorId: string, step: number): Promise<boolean>;
  /** Atomically marks an unused backup code used; false when it was already used. */
  useBackupCode(factorId: string): Promise<boolean>;
  /** Atomically increments failedAttempts and returns the new value. */
  incrementFailedAttempts(factorId: string): Promise<number>;

  // W1–W4: passkeys (a `factors` row each, with its credential in `passkeys`).
  /** Inserts the factor row and the credential; ConflictError when the credential id is taken. */
  insertPasskey(input: NewPasskey): Promise<PasskeyRecord>;
  listPasskeys(userId: string): Promise<PasskeyRecord[]>;
  findPasskeyByCredentialId(credentialId: string): Promise<PasskeyRecord | undefined>;
  /**
   * W7: atomically records a use — only when the new signature counter is above the stored one
   * (or both are 0: an authenticator without a counter); also resets failedAttempts. false means
   * a counter that did not move forward (a replay or a cloned authenticator) or a removed passkey.
   */
  recordPasskeyUse(factorId: string, counter: number): Promise<boolean>;
  /** W4: renames one of the user's passkeys; false when it is not theirs. */
  renamePasskey(userId: string, factorId: string, name: string): Promise<boolean>;

  appendAudit(event: NewAuditEvent): Promise<AuditEvent>;
  /**
   * A4: inserts a batch of imported users (with their memberships and TOTP factor) whose e-mail
   * is new; returns the e-mails that already existed (left unchanged). Use inside a transaction.
   */
  importUsers(rows: ImportedUser[], actorLabel: string): Promise<{ existing: string[] }>;
  /** A5: an organization's audit log with its members' account events, newest first (cursor). */
  listOrgAudit(query: OrgAuditQuery): Promise<OrgAuditEntry[]>;
  listAudit(filter: { orgId?: string; userId?: string; limit?: number }): Promise<AuditEvent[]>;

  /** A2: relying-party clients (metadata without the secret; the secret sealed). */
  findClient(clientId: string): Promise<ClientRecord | undefined>;
  listClients(): Promise<ClientRecord[]>;
  upsertClient(input: {
    clientId: string;
    metadata: Record<string, unknown>;
    secretEnc: string | null;
  }): Promise<ClientRecord>;
  deleteClient(clientId: string): Promise<boolean>;

  /** X9: an organization's branding (undefined: none set); the logo's bytes separately. */
  findBranding(orgId: string): Promise<OrgBranding | undefined>;
  findBrandingLogo(orgId: string): Promise<{ bytes: Uint8Array; type: string } | undefined>;
  saveBranding(orgId: string, patch: BrandingPatch): Promise<OrgBranding>;

  /** A1 (admin API): deletes cascade to memberships, factors, links and consents. */
  deleteUser(id: string): Promise<boolean>;
  deleteOrg(id: string): Promise<boolean>;
  /** A1: ConflictError when the e-mail is taken; undefined when there is no such user. */
  setEmail(userId: string, email: string): Promise<User | undefined>;
  /** A1: filtered audit events, newest first, keyset-paged by (at, seq). */
  searchAudit(search: AuditSearch): Promise<AuditEventWithSeq[]>;
}

/** Small TTL key-value primitives over Redis or memory. Values are strings; ttl in seconds. */
export interface KeyValueStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Sets only when absent; true when set. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Atomically reads and deletes. */
  take(key: string): Promise<string | undefined>;
  del(key: string): Promise<void>;
  /** Increments an integer counter; the TTL is set when the key is created. */
  incr(key: string, ttlSeconds: number): Promise<number>;
  ttl(key: string): Promise<number | undefined>;
  /** Set membership (for indexes such as sessions of an account). */
  addToSet(key: string, member: string, ttlSeconds: number): Promise<void>;
  setMembers(key: string): Promise<string[]>;
  removeFromSet(key: string, member: string): Promise<void>;
}

export interface RateLimitOptions {
  /** Distinguishes limiters sharing a backend, e.g. "login:ip". */
  keyPrefix: string;
  points: number;
  durationSeconds: number;
  /** When set, once exhausted the key stays blocked this long. */
  blockDurationSeconds?: number;
}

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  /** Seconds until the next point is available (0 when allowed). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Spends one point (or `points`) for key. */
  consume(key: string, points?: number): Promise<RateLimitResult>;
  /** Reads without spending. */
  peek(key: string): Promise<RateLimitResult>;
  /** Gives back points spent by `consume` (an attempt that turned out not to count). */
  refund(key: string, points?: number): Promise<void>;
  /** Forgets key (e.g. after a successful sign-in). */
  reset(key: string): Promise<void>;
}

export type AdapterConstructor = new (name: string) => Adapter;

/** Ephemeral state: Redis (ioredis) or in-memory. */
export interface EphemeralStore {
  readonly kind: 'redis' | 'memory';
  /** The oidc-provider `adapter` for every model. */
  readonly OidcAdapter: AdapterConstructor;
  readonly kv: KeyValueStore;
  /** Change notices between the instances (./ephemeral/change-feed.ts); absent: none cached. */
  readonly changes?: ChangeFeed;
  rateLimiter(options: RateLimitOptions): RateLimiter;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A4: one user of a bulk import, its id chosen by the importer (the TOTP secret is sealed to it). */
export interface ImportedUser {
  id: string;
  email: string;
  passwordHash: string;
  memberships: { orgId: string; role: Role }[];
  /** Sealed under totpAad(id), or null. */
  totpSecretEnc: string | null;
  /** U5: what the import file says (optional column `email_verified`; absent: not verified). */
  emailVerified?: boolean;
}

/** A5: the owner's audit log query; `before` is the cursor (the last entry of the previous page). */
export interface OrgAuditQuery {
  orgId: string;
  action?: string;
  memberId?: string;
  from?: Date;
  to?: Date;
  before?: { at: Date; seq: number };
  limit: number;
}

export interface OrgAuditEntry extends AuditEvent {
  seq: number;
  actorEmail: string | null;
  targetEmail: string | null;
}
