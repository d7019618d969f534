// Who an upstream identity is here (F1). The first sign-in links the upstream subject (issuer +
// sub) to the local user with the same verified e-mail — only if that user is a member of the
// organization whose connection was used; later sign-ins follow the link, whatever the e-mail
// says by then. A subject linked through one organization's connection is refused through any
// other's. With the connection's just-in-time setting (off by default) an e-mail with no local
// account becomes a new member; an existing account is never added to an organization this way.
import { randomBytes } from 'node:crypto';
import { audit } from '../audit.ts';
import { hashPassword } from '../crypto/password.ts';
import { ConflictError, type SystemOfRecord } from '../store/ports.ts';
import type { Organization, User } from '../store/records.ts';

export interface UpstreamIdentity {
  issuer: string;
  subject: string;
  /** Verified by the upstream, inside the connection's domains (checked by the caller). */
  email: string;
}

export type LinkRefusal = 'other_org' | 'not_member' | 'no_account' | 'already_linked';

export type LinkOutcome = { ok: true; user: User } | { ok: false; reason: LinkRefusal };

interface Who {
  ip: string;
  userAgent: string;
}

async function isMember(sor: SystemOfRecord, userId: string, orgId: string): Promise<boolean> {
  return (await sor.listMembershipsOfUser(userId)).some((m) => m.orgId === orgId);
}

async function followLink(sor: SystemOfRecord, org: Organization, id: UpstreamIdentity) {
  const link = await sor.findSsoLink(id.issuer, id.subject);
  if (!link) return undefined;
  if (link.orgId !== org.id) return { ok: false, reason: 'other_org' } as const;
  const user = await sor.findUserById(link.userId);
  if (!user || !(await isMember(sor, user.id, org.id))) return { ok: false, reason: 'not_member' } as const;
  return { ok: true, user } as const;
}

export async function resolveUpstreamUser(
  sor: SystemOfRecord,
  org: Organization,
  id: UpstreamIdentity,
  who: Who,
): Promise<LinkOutcome> {
  const linked = await followLink(sor, org, id);
  if (linked) return linked;
  const link = { issuer: id.issuer, subject: id.subject, orgId: org.id };
  const actor = { actorUserId: null, actorLabel: `sso:${org.id}`, ip: who.ip, userAgent: who.userAgent };
  try {
    const existing = await sor.findUserByEmail(id.email);
    if (existing) {
      if (!(await isMember(sor, existing.id, org.id))) return { ok: false, reason: 'not_member' };
      await sor.transaction(async (tx) => {
        await tx.createSsoLink({ ...link, userId: existing.id });
        await audit(tx, actor, 'sso.linked', { userId: existing.id, orgId: org.id }, { issuer: id.issuer });
      });
      return { ok: true, user: existing };
    }
    if (org.sso?.jitProvisioning !== true) return { ok: false, reason: 'no_account' };
    // A member who signs in only through SSO: the password is random and never shown.
    const passwordHash = await hashPassword(randomBytes(32).toString('base64url'));
    const user = await sor.transaction(async (tx) => {
      const created = await tx.createUser({ email: id.email, passwordHash });
      await tx.setMembership(created.id, org.id, 'member');
      await tx.createSsoLink({ ...link, userId: created.id });
      await audit(
        tx,
        actor,
        'sso.user_created',
        { userId: created.id, orgId: org.id },
        { issuer: id.issuer },
      );
      return created;
    });
    return { ok: true, user };
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    // A concurrent first sign-in of the same subject linked it meanwhile: follow that link. Else
    // the user is already linked to another subject of this organization's provider.
    return (await followLink(sor, org, id)) ?? { ok: false, reason: 'already_linked' };
  }
}
