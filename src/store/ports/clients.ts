// System-of-record ports, relying parties: clients (A2), users' consents to them (I8) and the
// organizations' branding (X9) (parts of SystemOfRecord in ../ports.ts).

import type { BrandingPatch, ClientRecord, Consent, OrgBranding } from '../records.ts';

/** I8: users' consents to clients. */
export interface ConsentStore {
  /** I8: the user's consent to a client, if any. */
  findConsent(userId: string, clientId: string): Promise<Consent | undefined>;
  /** I8: records a consent; scopes and claims already allowed are kept (union), granted_at is now. */
  saveConsent(input: { userId: string; clientId: string; scopes: string[]; claims: string[] }): Promise<void>;
  listConsents(userId: string): Promise<Consent[]>;
  deleteConsent(userId: string, clientId: string): Promise<boolean>;
}

/** A2: relying-party clients (metadata without the secret; the secret sealed). */
export interface ClientStore {
  findClient(clientId: string): Promise<ClientRecord | undefined>;
  listClients(): Promise<ClientRecord[]>;
  upsertClient(input: {
    clientId: string;
    metadata: Record<string, unknown>;
    secretEnc: string | null;
  }): Promise<ClientRecord>;
  deleteClient(clientId: string): Promise<boolean>;
}

/** X9: an organization's branding (undefined: none set); the logo's bytes separately. */
export interface BrandingStore {
  findBranding(orgId: string): Promise<OrgBranding | undefined>;
  findBrandingLogo(orgId: string): Promise<{ bytes: Uint8Array; type: string } | undefined>;
  saveBranding(orgId: string, patch: BrandingPatch): Promise<OrgBranding>;
}
