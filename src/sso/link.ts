// Who an upstream identity is here (F1). The first sign-in links the upstream subject (issuer +
// sub) to the local user with the same verified e-mail — only if that user is a member of the
// organization whose connection was used; later sign-ins follow the link, whatever the e-mail
// says by then. A subject linked through one organization's connection is refused through any
// other's. With the connection's just-in-time setting (off by default) an e-mail with no local
// account becomes a new member; an existing account is never added to an organization this way.
import { randomBytes } from 'node:crypto';
import { type AuditWho, audit } from '../audit.ts';
import { hashPassword } from '../crypto/password.ts';
import { useInvitation } from '../invitations/use.ts';
import { ConflictError, type SystemOfRecord } from '../store/ports.ts';
import type { Invitation, Organization, User } from '../store/records.ts';

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

type Actor = AuditWho & { actorLabel: string };
type NewSsoLink = Parameters<SystemOfRecord['createSsoLink']>[0];

/** U2: an open invitation into this organization for this address lets a non-member in, once. */
async function joinByInvitation(
  sor: SystemOfRecord,
  user: User,
  invited: Invitation | undefined,
  actor: Actor,
): Promise<boolean> {
  if (!invited) return false;
  return sor.transaction((tx) => useInvitation(tx, invited, user, actor, { via: 'sso' }));
}

async function followLink(
  sor: SystemOfRecord,
  org: Organization,
  id: UpstreamIdentity,
  invited: Invitation | undefined,
  actor: Actor,
) {
  const link = await sor.findSsoLink(id.issuer, id.subject);
  if (!link) return undefined;
  if (link.orgId !== org.id) return { ok: false, reason: 'other_org' } as const;
  const user = await sor.findUserById(link.userId);
  if (!user) return { ok: false, reason: 'not_member' } as const;
  if (!(await isMember(sor, user.id, org.id)) && !(await joinByInvitation(sor, user, invited, actor))) {
    return { ok: false, reason: 'not_member' } as const;
  }
  return { ok: true, user } as const;
}

/** A member who signs in only through SSO: the password is random and never shown. */
async function createMember(
  sor: SystemOfRecord,
  org: Organization,
  id: UpstreamIdentity,
  link: Omit<NewSsoLink, 'userId'>,
  invited: Invitation | undefined,
  actor: Actor,
): Promise<User | undefined> {
  const passwordHash = await hashPassword(randomBytes(32).toString('base64url'));
  const used = new Error('invitation used meanwhile');
  return sor
    .transaction(async (tx) => {
      // The upstream verified the address (checked by the caller), so it counts as verified (U5).
      const created = await tx.createUser({ email: id.email, passwordHash, emailVerified: true });
      if (invited) {
        if (!(await useInvitation(tx, invited, created, actor, { via: 'sso', newUser: true }))) {
          throw used; // rolls the new user back
        }
      } else await tx.setMembership(created.id, org.id, 'member');
      await tx.createSsoLink({ ...link, userId: created.id });
      await audit(
        tx,
        actor,
        'sso.user_created',
        { userId: created.id, orgId: org.id },
        { issuer: id.issuer },
      );
      return created as User | undefined;
    })
    .catch((err) => {
      if (err === used) return undefined;
      throw err;
    });
}

/**
 * The local user of an upstream identity, linking or creating one where allowed: a member with
 * the same address, a new member with the connection's just-in-time setting, or the holder of an
 * open invitation into this organization for this address (`invited`, checked by the caller).
 */
export async function resolveUpstreamUser(
  sor: SystemOfRecord,
  org: Organization,
  id: UpstreamIdentity,
  who: Who,
  invited?: Invitation,
): Promise<LinkOutcome> {
  const actor = { actorUserId: null, actorLabel: `sso:${org.id}`, ip: who.ip, userAgent: who.userAgent };
  const invitation =
    invited && invited.orgId === org.id && invited.email.toLowerCase() === id.email.toLowerCase()
      ? invited
      : undefined;
  const linked = await followLink(sor, org, id, invitation, actor);
  if (linked) return linked;
  const link = { issuer: id.issuer, subject: id.subject, orgId: org.id };
  try {
    const existing = await sor.findUserByEmail(id.email);
    if (existing) {
      const member = await isMember(sor, existing.id, org.id);
      // One transaction: the invitation used (a non-member), the link, the address verified.
      const linkedNow = await sor.transaction(async (tx) => {
        if (
          !member &&
          !(invitation && (await useInvitation(tx, invitation, existing, actor, { via: 'sso' })))
        )
          return false;
        await tx.createSsoLink({ ...link, userId: existing.id });
        await tx.markEmailVerified(existing.id, existing.email);
        await audit(tx, actor, 'sso.linked', { userId: existing.id, orgId: org.id }, { issuer: id.issuer });
        return true;
      });
      return linkedNow ? { ok: true, user: existing } : { ok: false, reason: 'not_member' };
    }
    if (org.sso?.jitProvisioning !== true && !invitation) return { ok: false, reason: 'no_account' };
    const user = await createMember(sor, org, id, link, invitation, actor);
    return user ? { ok: true, user } : { ok: false, reason: 'no_account' };
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    // A concurrent first sign-in of the same subject linked it meanwhile: follow that link. Else
    // the user is already linked to another subject of this organization's provider.
    return (await followLink(sor, org, id, undefined, actor)) ?? { ok: false, reason: 'already_linked' };
  }
}
