// Domain records held by the system of record (PostgreSQL or embedded PGlite). SPEC "Domain".

export type Plan = 'free' | 'paid';
export type Role = 'owner' | 'admin' | 'member';
/** Every factor type, as stored (the registry, src/mfa/registry.ts, says what each is). */
export const FACTOR_TYPES = ['passkey', 'totp', 'sms', 'backup_code'] as const;
export type FactorType = (typeof FACTOR_TYPES)[number];

export interface User {
  id: string;
  /** As entered (trimmed); uniqueness is case-insensitive. */
  email: string;
  passwordHash: string;
  /**
   * V3: epoch seconds before which every session and token of this user is void (set by an MFA
   * reset, a removed method, a lockout); 0 when never set. See src/core/sessions.ts.
   */
  sessionsValidAfter: number;
  /** U5: when the user proved the address; null while unverified (`email_verified: false`). */
  emailVerifiedAt?: Date | null;
  createdAt: Date;
}

export interface SsoSettings {
  issuer: string;
  clientId: string;
  /** Encrypted with the factor-encryption key (see src/crypto/sealed.ts). */
  clientSecretEnc: string | null;
  scopes: string;
  domains: string[];
  trustUpstreamMfaOnly: boolean;
  /** Just-in-time creation of a member on a first sign-in with no local account (off by default). */
  jitProvisioning?: boolean;
}

/**
 * A durable link between an upstream subject (issuer + sub) and a local user, made through one
 * organization's SSO connection (src/sso/link.ts). One upstream subject is linked at most once.
 */
export interface SsoLink {
  issuer: string;
  subject: string;
  orgId: string;
  userId: string;
  createdAt: Date;
}

/** I8: what a user allowed a third-party client, remembered across browser sessions. */
export interface Consent {
  userId: string;
  clientId: string;
  /** OIDC scopes, e.g. ['openid', 'email']. */
  scopes: string[];
  claims: string[];
  grantedAt: Date;
}

/**
 * G4: a remembered device — a browser that completed a second factor with "don't ask again" ticked.
 * The browser holds a random token (a cookie); only its SHA-256 is kept here, bound to the user.
 */
export interface RememberedDevice {
  id: string;
  userId: string;
  /** e.g. "Firefox 140 / Linux" (from the user agent when it was remembered). */
  browser: string | null;
  /** The address it was last used from. */
  ip: string | null;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
}

export interface NewRememberedDevice {
  userId: string;
  tokenHash: string;
  browser: string | null;
  ip: string | null;
  expiresAt: Date;
}

export interface Organization {
  id: string;
  name: string;
  plan: Plan;
  requireMfaForAllUsers: boolean;
  ssoEnforced: boolean;
  sso: SsoSettings | null;
  /** G2: the enforcement date of the owner's grace period (null: enforced as soon as mandated). */
  mfaEnforcedFrom?: Date | null;
  /** G3: the methods that satisfy MFA for the members (null: all). */
  allowedMethods?: FactorType[] | null;
  /** G4: for how many days a member may have a device remembered after MFA (0: never). */
  rememberDeviceDays?: number;
  /** Issue 16: the country members' phone numbers default to (ISO 3166 alpha-2); null: the browser's. */
  smsDefaultCountry?: string | null;
  createdAt: Date;
}

export interface Membership {
  userId: string;
  orgId: string;
  role: Role;
  createdAt: Date;
}

export interface MembershipWithOrg extends Membership {
  org: Organization;
}

export interface MembershipWithUser extends Membership {
  user: User;
}

/**
 * One enrolled factor element. A TOTP app is one row (secretEnc set), an SMS phone is one row
 * (data.phone E.164), and each of the 4 backup codes is one row (codeHash set, usedAt once used).
 */
export interface FactorRecord {
  id: string;
  userId: string;
  type: FactorType;
  /** AES-256-GCM sealed secret ("<kid>.<iv>.<ct>.<tag>" base64url), TOTP only. */
  secretEnc: string | null;
  /** Password-hash digest (argon2id), backup codes only. */
  codeHash: string | null;
  /** Non-secret per-factor data, e.g. { phone: '+81...' } for SMS. */
  data: Record<string, unknown>;
  /** Last accepted TOTP time step (RFC 6238 §5.2 replay protection). */
  lastStep: number | null;
  /** Consecutive failed verifications (NIST 800-63B §5.2.2); reset on success. */
  failedAttempts: number;
  lockedAt: Date | null;
  usedAt: Date | null;
  createdAt: Date;
}

export interface NewFactor {
  userId: string;
  type: FactorType;
  secretEnc?: string | null;
  codeHash?: string | null;
  data?: Record<string, unknown>;
}

/**
 * W1: a registered WebAuthn credential (src/mfa/passkey/). Each passkey is also one `factors` row
 * (type 'passkey', `factorId`), so the factor machinery (lockout, reset R1, M3) sees it; deleting
 * that row deletes the passkey.
 */
export interface PasskeyRecord {
  factorId: string;
  userId: string;
  /** base64url credential id, unique across users. */
  credentialId: string;
  /** COSE public key. */
  publicKey: Uint8Array;
  /** The last signature counter accepted (0: the authenticator keeps none). */
  counter: number;
  transports: string[];
  /** The authenticator model (AAGUID, dashed lowercase); all zeros when not told. */
  aaguid: string;
  name: string;
  /** 'multiDevice' for a synced passkey, 'singleDevice' for one bound to its authenticator. */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export type NewPasskey = Omit<PasskeyRecord, 'factorId' | 'createdAt' | 'lastUsedAt'>;

export interface AuditEvent {
  id: string;
  at: Date;
  /** Acting user id, or null for an operator/system action (see actorLabel). */
  actorUserId: string | null;
  /** Free text naming the actor when not a user (e.g. "operator:alice"). */
  actorLabel: string | null;
  action: string;
  targetUserId: string | null;
  orgId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'at'> & { at?: Date };

/** A2: a relying-party client as stored: metadata without the secret, the secret sealed. */
export interface ClientRecord {
  clientId: string;
  metadata: Record<string, unknown>;
  secretEnc: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** X9: an organization's branding as pages show it (the logo's bytes come separately). */
export interface OrgBranding {
  orgId: string;
  displayName: string | null;
  accentColor: string | null;
  /** The logo's content type, null without a logo. */
  logoType: string | null;
  updatedAt: Date;
}

/** X9: what an owner changes; an absent field is kept. */
export interface BrandingPatch {
  displayName?: string | null;
  accentColor?: string | null;
  logo?: { bytes: Uint8Array; type: string } | null;
}

/** A1: an audit search (admin API); `before` is the cursor of the previous page's last event. */
export interface AuditSearch {
  orgId?: string;
  userId?: string;
  action?: string;
  since?: Date;
  until?: Date;
  /** The `seq` of the last event of the previous page. */
  before?: string;
  limit: number;
}

export type AuditEventWithSeq = AuditEvent & { seq: string };

/** U2: an invitation to an organization (the token itself is never stored). */
export interface Invitation {
  id: string;
  orgId: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}
