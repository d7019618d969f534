// The relying-party part of the Kysely system of record: clients, consents and branding (the ports
// in ../ports/clients.ts). Every method maps driver errors (errors.ts).

import type { Kysely } from 'kysely';
import type { BrandingStore, ClientStore, ConsentStore } from '../ports/clients.ts';
import * as branding from './branding-queries.ts';
import * as clients from './client-queries.ts';
import * as consents from './consent-queries.ts';
import { run } from './errors.ts';
import type { Database } from './schema.ts';

export function consentStore(db: Kysely<Database>): ConsentStore {
  return {
    findConsent: (userId, clientId) => run(() => consents.findConsent(db, userId, clientId)),
    saveConsent: (input) => run(() => consents.saveConsent(db, input)),
    listConsents: (userId) => run(() => consents.listConsents(db, userId)),
    deleteConsent: (userId, clientId) => run(() => consents.deleteConsent(db, userId, clientId)),
  };
}

export function clientStore(db: Kysely<Database>): ClientStore {
  return {
    findClient: (clientId) => run(() => clients.findClient(db, clientId)),
    listClients: () => run(() => clients.listClients(db)),
    upsertClient: (input) => run(() => clients.upsertClient(db, input)),
    deleteClient: (clientId) => run(() => clients.deleteClient(db, clientId)),
  };
}

export function brandingStore(db: Kysely<Database>): BrandingStore {
  return {
    findBranding: (orgId) => run(() => branding.findBranding(db, orgId)),
    findBrandingLogo: (orgId) => run(() => branding.findBrandingLogo(db, orgId)),
    saveBranding: (orgId, patch) => run(() => branding.saveBranding(db, orgId, patch)),
  };
}
