// SystemOfRecord over Kysely: one implementation for both PostgreSQL (pg) and PGlite. The queries
// live in account-queries.ts and factor-queries.ts; every method maps driver errors (errors.ts).

import type { Kysely } from 'kysely';
import type {
  FactorPatch,
  ImportedUser,
  NewInvitation,
  NewUser,
  OrgAuditEntry,
  OrgAuditQuery,
  OrgPatch,
  SystemOfRecord,
} from '../ports.ts';
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
  NewRememberedDevice,
  Organization,
  OrgBranding,
  Plan,
  RememberedDevice,
  Role,
  SsoLink,
  User,
} from '../records.ts';
import * as accounts from './account-queries.ts';
import * as admin from './admin-queries.ts';
import * as branding from './branding-queries.ts';
import * as clients from './client-queries.ts';
import * as consents from './consent-queries.ts';
import * as devices from './device-queries.ts';
import { run } from './errors.ts';
import * as factors from './factor-queries.ts';
import { importUsers } from './import-queries.ts';
import * as invitations from './invitation-queries.ts';
import { migrateToLatest } from './migrations.ts';
import { listOrgAudit } from './org-audit-queries.ts';
import type { Database } from './schema.ts';
import * as sso from './sso-queries.ts';

export class KyselySystemOfRecord implements SystemOfRecord {
  readonly kind: 'postgres' | 'pglite';
  /** The underlying Kysely instance (a transaction when this store is transaction-bound). */
  readonly db: Kysely<Database>;

  constructor(db: Kysely<Database>, kind: 'postgres' | 'pglite') {
    this.db = db;
    this.kind = kind;
  }

  migrate(): Promise<void> {
    return run(() => migrateToLatest(this.db as Kysely<unknown>));
  }

  ping(): Promise<void> {
    return run(async () => {
      await this.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    });
  }

  close(): Promise<void> {
    if (this.db.isTransaction) return Promise.reject(new Error('a transaction-bound store cannot be closed'));
    return this.db.destroy();
  }

  /**
   * Nested calls on a transaction-bound store join the outer transaction (no savepoints). Inside fn
   * use only the tx store: on PGlite the outer store waits for the transaction to end.
   */
  transaction<T>(fn: (tx: SystemOfRecord) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return run(() => this.db.transaction().execute((trx) => fn(new KyselySystemOfRecord(trx, this.kind))));
  }

  createInvitation(input: NewInvitation): Promise<Invitation> {
    return run(() => invitations.createInvitation(this.db, input));
  }

  findInvitationByTokenHash(tokenHash: string): Promise<Invitation | undefined> {
    return run(() => invitations.findInvitationByTokenHash(this.db, tokenHash));
  }

  findInvitation(orgId: string, id: string): Promise<Invitation | undefined> {
    return run(() => invitations.findInvitation(this.db, orgId, id));
  }

  listOpenInvitations(orgId: string): Promise<Invitation[]> {
    return run(() => invitations.listOpenInvitations(this.db, orgId));
  }

  renewInvitation(id: string, tokenHash: string, expiresAt: Date): Promise<boolean> {
    return run(() => invitations.renewInvitation(this.db, id, tokenHash, expiresAt));
  }

  closeInvitation(id: string, how: 'accepted' | 'revoked'): Promise<boolean> {
    return run(() => invitations.closeInvitation(this.db, id, how));
  }

  createUser(input: NewUser): Promise<User> {
    return run(() => accounts.createUser(this.db, input));
  }
  markEmailVerified(userId: string, email: string): Promise<boolean> {
    return run(() => accounts.markEmailVerified(this.db, userId, email));
  }

  findUserById(id: string): Promise<User | undefined> {
    return run(() => accounts.findUserById(this.db, id));
  }

  findUserByEmail(email: string): Promise<User | undefined> {
    return run(() => accounts.findUserByEmail(this.db, email));
  }

  listUsers(): Promise<User[]> {
    return run(() => accounts.listUsers(this.db));
  }

  revokeSessionsBefore(userId: string, notBefore: number): Promise<number | undefined> {
    return run(() => accounts.revokeSessionsBefore(this.db, userId, notBefore));
  }

  setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    return run(() => accounts.setPasswordHash(this.db, userId, passwordHash));
  }

  createOrg(input: { name: string; plan: Plan; requireMfaForAllUsers?: boolean }): Promise<Organization> {
    return run(() => accounts.createOrg(this.db, input));
  }

  findOrgById(id: string): Promise<Organization | undefined> {
    return run(() => accounts.findOrgById(this.db, id));
  }

  listOrgs(): Promise<Organization[]> {
    return run(() => accounts.listOrgs(this.db));
  }

  updateOrg(id: string, patch: OrgPatch): Promise<Organization | undefined> {
    return run(() => accounts.updateOrg(this.db, id, patch));
  }

  findOrgsBySsoDomain(domain: string): Promise<Organization[]> {
    return run(() => sso.findOrgsBySsoDomain(this.db, domain));
  }

  anySsoConnection(): Promise<boolean> {
    return run(() => sso.anySsoConnection(this.db));
  }

  findConsent(userId: string, clientId: string): Promise<Consent | undefined> {
    return run(() => consents.findConsent(this.db, userId, clientId));
  }

  saveConsent(input: {
    userId: string;
    clientId: string;
    scopes: string[];
    claims: string[];
  }): Promise<void> {
    return run(() => consents.saveConsent(this.db, input));
  }

  listConsents(userId: string): Promise<Consent[]> {
    return run(() => consents.listConsents(this.db, userId));
  }

  deleteConsent(userId: string, clientId: string): Promise<boolean> {
    return run(() => consents.deleteConsent(this.db, userId, clientId));
  }

  createRememberedDevice(input: NewRememberedDevice): Promise<RememberedDevice> {
    return run(() => devices.createRememberedDevice(this.db, input));
  }

  findRememberedDeviceByTokenHash(tokenHash: string): Promise<RememberedDevice | undefined> {
    return run(() => devices.findRememberedDeviceByTokenHash(this.db, tokenHash));
  }

  findRememberedDevice(userId: string, id: string): Promise<RememberedDevice | undefined> {
    return run(() => devices.findRememberedDevice(this.db, userId, id));
  }

  listRememberedDevices(userId: string): Promise<RememberedDevice[]> {
    return run(() => devices.listRememberedDevices(this.db, userId));
  }

  touchRememberedDevice(id: string, ip: string | null): Promise<void> {
    return run(() => devices.touchRememberedDevice(this.db, id, ip));
  }

  deleteRememberedDevice(userId: string, id: string): Promise<boolean> {
    return run(() => devices.deleteRememberedDevice(this.db, userId, id));
  }

  deleteRememberedDevicesOfUser(userId: string): Promise<number> {
    return run(() => devices.deleteRememberedDevicesOfUser(this.db, userId));
  }

  findSsoLink(issuer: string, subject: string): Promise<SsoLink | undefined> {
    return run(() => sso.findSsoLink(this.db, issuer, subject));
  }

  createSsoLink(input: { issuer: string; subject: string; orgId: string; userId: string }): Promise<SsoLink> {
    return run(() => sso.createSsoLink(this.db, input));
  }

  deleteSsoLinksOfOrg(orgId: string): Promise<number> {
    return run(() => sso.deleteSsoLinksOfOrg(this.db, orgId));
  }

  setMembership(userId: string, orgId: string, role: Role): Promise<void> {
    return run(() => accounts.setMembership(this.db, userId, orgId, role));
  }

  removeMembership(userId: string, orgId: string): Promise<boolean> {
    return run(() => accounts.removeMembership(this.db, userId, orgId));
  }

  listMembershipsOfUser(userId: string): Promise<MembershipWithOrg[]> {
    return run(() => accounts.listMembershipsOfUser(this.db, userId));
  }

  listMembersOfOrg(orgId: string): Promise<MembershipWithUser[]> {
    return run(() => accounts.listMembersOfOrg(this.db, orgId));
  }

  listFactors(userId: string): Promise<FactorRecord[]> {
    return run(() => factors.listFactors(this.db, userId));
  }

  listFactorsWithSecrets(): Promise<FactorRecord[]> {
    return run(() => factors.listFactors(this.db, undefined));
  }

  insertFactor(input: NewFactor): Promise<FactorRecord> {
    return run(() => factors.insertFactor(this.db, input));
  }

  updateFactor(id: string, patch: FactorPatch): Promise<void> {
    return run(() => factors.updateFactor(this.db, id, patch));
  }

  deleteFactor(id: string): Promise<boolean> {
    return run(() => factors.deleteFactor(this.db, id));
  }

  deleteFactorsOfUser(userId: string, types?: FactorType[]): Promise<number> {
    return run(() => factors.deleteFactorsOfUser(this.db, userId, types));
  }

  advanceTotpStep(factorId: string, step: number): Promise<boolean> {
    return run(() => factors.advanceTotpStep(this.db, factorId, step));
  }

  useBackupCode(factorId: string): Promise<boolean> {
    return run(() => factors.useBackupCode(this.db, factorId));
  }

  incrementFailedAttempts(factorId: string): Promise<number> {
    return run(() => factors.incrementFailedAttempts(this.db, factorId));
  }

  appendAudit(event: NewAuditEvent): Promise<AuditEvent> {
    return run(() => factors.appendAudit(this.db, event));
  }

  importUsers(rows: ImportedUser[], actorLabel: string): Promise<{ existing: string[] }> {
    return run(() => importUsers(this.db, rows, actorLabel));
  }

  listOrgAudit(query: OrgAuditQuery): Promise<OrgAuditEntry[]> {
    return run(() => listOrgAudit(this.db, query));
  }

  listAudit(filter: { orgId?: string; userId?: string; limit?: number }): Promise<AuditEvent[]> {
    return run(() => factors.listAudit(this.db, filter));
  }

  findClient(clientId: string): Promise<ClientRecord | undefined> {
    return run(() => clients.findClient(this.db, clientId));
  }

  listClients(): Promise<ClientRecord[]> {
    return run(() => clients.listClients(this.db));
  }

  upsertClient(input: {
    clientId: string;
    metadata: Record<string, unknown>;
    secretEnc: string | null;
  }): Promise<ClientRecord> {
    return run(() => clients.upsertClient(this.db, input));
  }

  deleteClient(clientId: string): Promise<boolean> {
    return run(() => clients.deleteClient(this.db, clientId));
  }

  findBranding(orgId: string): Promise<OrgBranding | undefined> {
    return run(() => branding.findBranding(this.db, orgId));
  }

  findBrandingLogo(orgId: string): Promise<{ bytes: Uint8Array; type: string } | undefined> {
    return run(() => branding.findBrandingLogo(this.db, orgId));
  }

  saveBranding(orgId: string, patch: BrandingPatch): Promise<OrgBranding> {
    return run(() => branding.saveBranding(this.db, orgId, patch));
  }

  deleteUser(id: string): Promise<boolean> {
    return run(() => admin.deleteUser(this.db, id));
  }

  deleteOrg(id: string): Promise<boolean> {
    return run(() => admin.deleteOrg(this.db, id));
  }

  setEmail(userId: string, email: string): Promise<User | undefined> {
    return run(() => admin.setEmail(this.db, userId, email));
  }

  searchAudit(search: AuditSearch): Promise<AuditEventWithSeq[]> {
    return run(() => admin.searchAudit(this.db, search));
  }
}
