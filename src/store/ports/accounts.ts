// System-of-record ports, accounts: users, organizations and their members, SSO links,
// invitations and the bulk import (parts of SystemOfRecord in ../ports.ts).

import type {
  FactorRecord,
  FactorType,
  Invitation,
  MembershipWithOrg,
  MembershipWithUser,
  Organization,
  Plan,
  Role,
  SsoLink,
  SsoSettings,
  User,
} from '../records.ts';

/** A new user; U5: the address counts as verified only when the caller says so. */
export interface NewUser {
  email: string;
  passwordHash: string;
  emailVerified?: boolean;
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

/** U2: a new invitation; the token only as its SHA-256. */
export interface NewInvitation {
  orgId: string;
  email: string;
  role: Role;
  tokenHash: string;
  invitedBy: string | null;
  expiresAt: Date;
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

/** A user with what the MFA decision reads of them (issue 18: in one round trip). */
export interface UserBundle {
  user: User;
  memberships: MembershipWithOrg[];
  factors: FactorRecord[];
}

export interface UserStore {
  /** ConflictError on a duplicate address; unverified (U5) unless `emailVerified`. */
  createUser(input: NewUser): Promise<User>;
  /** U5: the address is verified — only while it is still the user's (false otherwise). */
  markEmailVerified(userId: string, email: string): Promise<boolean>;
  findUserById(id: string): Promise<User | undefined>;
  /** findUserById, listMembershipsOfUser and listFactors in one read; undefined: no such user. */
  loadUserBundle(id: string): Promise<UserBundle | undefined>;
  findUserByEmail(email: string): Promise<User | undefined>; // case-insensitive
  listUsers(): Promise<User[]>;
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;
  /**
   * V3: voids every session and token of the user authenticated before `notBefore` (epoch
   * seconds); never moves backwards. Returns the value in force (undefined: no such user).
   */
  revokeSessionsBefore(userId: string, notBefore: number): Promise<number | undefined>;
  /**
   * A4: inserts a batch of imported users (with their memberships and TOTP factor) whose e-mail
   * is new; returns the e-mails that already existed (left unchanged). Use inside a transaction.
   */
  importUsers(rows: ImportedUser[], actorLabel: string): Promise<{ existing: string[] }>;
  /** A1 (admin API): deletes cascade to memberships, factors, links and consents. */
  deleteUser(id: string): Promise<boolean>;
  /** A1: ConflictError when the e-mail is taken; undefined when there is no such user. */
  setEmail(userId: string, email: string): Promise<User | undefined>;
}

export interface OrgStore {
  createOrg(input: { name: string; plan: Plan; requireMfaForAllUsers?: boolean }): Promise<Organization>;
  findOrgById(id: string): Promise<Organization | undefined>;
  listOrgs(): Promise<Organization[]>;
  updateOrg(id: string, patch: OrgPatch): Promise<Organization | undefined>;
  /** A1 (admin API): deletes cascade to memberships, links, invitations and branding. */
  deleteOrg(id: string): Promise<boolean>;

  /** Adds or changes (upsert) a membership. */
  setMembership(userId: string, orgId: string, role: Role): Promise<void>;
  removeMembership(userId: string, orgId: string): Promise<boolean>;
  listMembershipsOfUser(userId: string): Promise<MembershipWithOrg[]>;
  listMembersOfOrg(orgId: string): Promise<MembershipWithUser[]>;
}

export interface SsoStore {
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
}

/** U2: invitations. */
export interface InvitationStore {
  createInvitation(input: NewInvitation): Promise<Invitation>;
  findInvitationByTokenHash(tokenHash: string): Promise<Invitation | undefined>;
  findInvitation(orgId: string, id: string): Promise<Invitation | undefined>;
  /** Neither accepted nor revoked (expired ones included), newest first. */
  listOpenInvitations(orgId: string): Promise<Invitation[]>;
  /** A re-send: new token hash and expiry; false when the invitation is no longer open. */
  renewInvitation(id: string, tokenHash: string, expiresAt: Date): Promise<boolean>;
  /** Accepts (only before expiry) or revokes an open invitation; true for the one caller that did. */
  closeInvitation(id: string, how: 'accepted' | 'revoked'): Promise<boolean>;
}
