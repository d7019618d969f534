// A1: records → API views (no password hashes, no secrets), and the organization-limit checks that
// need the store (a limited client sees a user only through a membership in one of its orgs).
import type { SystemOfRecord } from '../store/ports.ts';
import type { AuditEventWithSeq, FactorRecord, Organization, User } from '../store/records.ts';
import type { AdminCaller } from './auth.ts';
import { notFound, Problem } from './problem.ts';

export const orgView = (o: Organization) => ({
  id: o.id,
  name: o.name,
  plan: o.plan,
  requireMfaForAllUsers: o.requireMfaForAllUsers,
  ssoEnforced: o.ssoEnforced,
  mfaEnforcedFrom: o.mfaEnforcedFrom?.toISOString() ?? null,
  allowedMethods: o.allowedMethods ?? null,
  rememberDeviceDays: o.rememberDeviceDays ?? 0,
  smsDefaultCountry: o.smsDefaultCountry ?? null,
  createdAt: o.createdAt.toISOString(),
});

export async function userView(sor: SystemOfRecord, u: User) {
  const memberships = (await sor.listMembershipsOfUser(u.id)).map((m) => ({ orgId: m.orgId, role: m.role }));
  const emailVerified = Boolean(u.emailVerifiedAt); // U5
  return { id: u.id, email: u.email, emailVerified, createdAt: u.createdAt.toISOString(), memberships };
}

export const factorView = (f: FactorRecord) => ({
  id: f.id,
  type: f.type,
  createdAt: f.createdAt.toISOString(),
  lastUsedAt: f.usedAt?.toISOString() ?? null,
  locked: f.lockedAt !== null,
});

export const auditView = (e: AuditEventWithSeq) => ({
  id: e.id,
  at: e.at.toISOString(),
  action: e.action,
  actorUserId: e.actorUserId,
  actorLabel: e.actorLabel,
  targetUserId: e.targetUserId,
  orgId: e.orgId,
  ip: e.ip,
  details: e.details,
});

export async function findOrgOr404(sor: SystemOfRecord, id: string): Promise<Organization> {
  const org = await sor.findOrgById(id);
  if (!org) throw notFound(`organization ${id}`);
  return org;
}

/** The user, when it exists and the caller may act on it (404 / 403 otherwise). */
export async function accessibleUser(sor: SystemOfRecord, caller: AdminCaller, id: string): Promise<User> {
  const user = await sor.findUserById(id);
  if (!user) throw notFound(`user ${id}`);
  if (caller.orgIds) {
    const orgs = (await sor.listMembershipsOfUser(id)).map((m) => m.orgId);
    if (!orgs.some((o) => caller.orgIds?.includes(o))) {
      throw new Problem(
        403,
        'forbidden_organization',
        'this user is in none of the organizations of this client',
      );
    }
  }
  return user;
}
