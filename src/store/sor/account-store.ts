// The accounts part of the Kysely system of record: users, organizations and members, SSO links,
// invitations and the bulk import (the ports in ../ports/accounts.ts). Every method maps driver
// errors (errors.ts); the queries live in the *-queries.ts modules.

import type { Kysely } from 'kysely';
import type { InvitationStore, OrgStore, SsoStore, UserStore } from '../ports/accounts.ts';
import * as accounts from './account-queries.ts';
import * as admin from './admin-queries.ts';
import { loadUserBundle } from './bundle-queries.ts';
import { run } from './errors.ts';
import { importUsers } from './import-queries.ts';
import * as invitations from './invitation-queries.ts';
import type { Database } from './schema.ts';
import * as sso from './sso-queries.ts';

export function userStore(db: Kysely<Database>): UserStore {
  return {
    createUser: (input) => run(() => accounts.createUser(db, input)),
    markEmailVerified: (userId, email) => run(() => accounts.markEmailVerified(db, userId, email)),
    findUserById: (id) => run(() => accounts.findUserById(db, id)),
    loadUserBundle: (id) => run(() => loadUserBundle(db, id)),
    findUserByEmail: (email) => run(() => accounts.findUserByEmail(db, email)),
    listUsers: () => run(() => accounts.listUsers(db)),
    revokeSessionsBefore: (userId, notBefore) =>
      run(() => accounts.revokeSessionsBefore(db, userId, notBefore)),
    setPasswordHash: (userId, passwordHash) => run(() => accounts.setPasswordHash(db, userId, passwordHash)),
    importUsers: (rows, actorLabel) => run(() => importUsers(db, rows, actorLabel)),
    deleteUser: (id) => run(() => admin.deleteUser(db, id)),
    setEmail: (userId, email) => run(() => admin.setEmail(db, userId, email)),
  };
}

export function orgStore(db: Kysely<Database>): OrgStore {
  return {
    createOrg: (input) => run(() => accounts.createOrg(db, input)),
    findOrgById: (id) => run(() => accounts.findOrgById(db, id)),
    listOrgs: () => run(() => accounts.listOrgs(db)),
    updateOrg: (id, patch) => run(() => accounts.updateOrg(db, id, patch)),
    deleteOrg: (id) => run(() => admin.deleteOrg(db, id)),
    setMembership: (userId, orgId, role) => run(() => accounts.setMembership(db, userId, orgId, role)),
    removeMembership: (userId, orgId) => run(() => accounts.removeMembership(db, userId, orgId)),
    listMembershipsOfUser: (userId) => run(() => accounts.listMembershipsOfUser(db, userId)),
    listMembersOfOrg: (orgId) => run(() => accounts.listMembersOfOrg(db, orgId)),
  };
}

export function ssoStore(db: Kysely<Database>): SsoStore {
  return {
    findOrgsBySsoDomain: (domain) => run(() => sso.findOrgsBySsoDomain(db, domain)),
    anySsoConnection: () => run(() => sso.anySsoConnection(db)),
    findSsoLink: (issuer, subject) => run(() => sso.findSsoLink(db, issuer, subject)),
    createSsoLink: (input) => run(() => sso.createSsoLink(db, input)),
    deleteSsoLinksOfOrg: (orgId) => run(() => sso.deleteSsoLinksOfOrg(db, orgId)),
  };
}

export function invitationStore(db: Kysely<Database>): InvitationStore {
  return {
    createInvitation: (input) => run(() => invitations.createInvitation(db, input)),
    findInvitationByTokenHash: (tokenHash) => run(() => invitations.findInvitationByTokenHash(db, tokenHash)),
    findInvitation: (orgId, id) => run(() => invitations.findInvitation(db, orgId, id)),
    listOpenInvitations: (orgId) => run(() => invitations.listOpenInvitations(db, orgId)),
    renewInvitation: (id, tokenHash, expiresAt) =>
      run(() => invitations.renewInvitation(db, id, tokenHash, expiresAt)),
    closeInvitation: (id, how) => run(() => invitations.closeInvitation(db, id, how)),
  };
}
