// U2: invitations by e-mail. The link's token is 256 random bits kept only as its SHA-256 (V8);
// it works once (accepted_at), until expires_at (INVITATION_TTL_SECONDS), and not after a revoke
// or a re-send (a re-send stores a new hash, so the old link finds nothing). Admins invite members
// only; owners any role. Invitations are audited (no notice is mailed to the owners for them).
import { randomBytes } from 'node:crypto';
import { type AuditWho, audit } from '../audit.ts';
import type { Locale } from '../i18n/index.ts';
import { renderMail } from '../mail/render.ts';
import type { MailOutcome, MailService } from '../mail/service.ts';
import { ConflictError, type SystemOfRecord } from '../store/ports.ts';
import type { Invitation, Organization, Role, User } from '../store/records.ts';
import { invitationOf, sha256, useInvitation } from './use.ts';

/** May someone with `actorRole` invite with `role`? (admins: members only; owners: any role.) */
export function mayInvite(actorRole: Role | undefined, role: Role): boolean {
  return actorRole === 'owner' || (actorRole === 'admin' && role === 'member');
}

export const isOpen = (i: Invitation, now = new Date()) =>
  !i.acceptedAt && !i.revokedAt && i.expiresAt.getTime() > now.getTime();

export interface InviteDeps {
  sor: SystemOfRecord;
  mail: MailService;
  issuer: string;
  ttlSeconds: number;
}

export interface Sent {
  invitation: Invitation;
  mail: MailOutcome;
}

export function createInvitations(deps: InviteDeps) {
  const { sor, ttlSeconds } = deps;
  return {
    async invite(
      org: Organization,
      input: { email: string; role: Role; invitedBy: string | null },
      who: AuditWho,
      locale: Locale,
    ): Promise<Sent> {
      const { token, hash, expiresAt } = freshToken(ttlSeconds);
      const invitation = await sor.transaction(async (tx) => {
        const created = await tx.createInvitation({ orgId: org.id, ...input, tokenHash: hash, expiresAt });
        await audit(
          tx,
          who,
          'invitation.created',
          { orgId: org.id },
          { invitationId: created.id, email: input.email, role: input.role },
        );
        return created;
      });
      return { invitation, mail: await mailLink(deps, invitation, token, locale, who) };
    },

    /** A new link (the old one stops working) and a new expiry; undefined when not open any more. */
    async resend(i: Invitation, who: AuditWho, locale: Locale): Promise<Sent | undefined> {
      const { token, hash, expiresAt } = freshToken(ttlSeconds);
      if (i.acceptedAt || i.revokedAt || !(await sor.renewInvitation(i.id, hash, expiresAt)))
        return undefined;
      const invitation = { ...i, expiresAt };
      return { invitation, mail: await mailLink(deps, invitation, token, locale, who) };
    },

    revoke: (i: Invitation, who: AuditWho) => revoke(sor, i, who),

    /** The open invitation of a link, with its organization; undefined for any other token. */
    async lookup(token: unknown): Promise<{ invitation: Invitation; org: Organization } | undefined> {
      const invitation = await invitationOf(sor, token);
      if (!invitation || !isOpen(invitation)) return undefined;
      const org = await sor.findOrgById(invitation.orgId);
      return org ? { invitation, org } : undefined;
    },

    /**
     * Uses the invitation up for `user` (whose address must be the invited one): the membership,
     * the address verified (U5), audited. False when someone else used it first or it expired.
     */
    async accept(i: Invitation, user: User, who: AuditWho): Promise<boolean> {
      if (user.email.toLowerCase() !== i.email.toLowerCase()) return false;
      return sor.transaction((tx) => useInvitation(tx, i, user, who));
    },

    /** A new person: the user (address verified, U5) and the membership, in one transaction. */
    acceptNew: (i: Invitation, passwordHash: string, who: Omit<AuditWho, 'actorUserId'>) =>
      acceptNew(sor, i, passwordHash, who),
  };
}

/** A link's token (256 random bits), its SHA-256 (all that is stored, V8) and its expiry. */
function freshToken(ttlSeconds: number) {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: sha256(token), expiresAt: new Date(Date.now() + ttlSeconds * 1000) };
}

async function mailLink(
  { sor, mail, issuer, ttlSeconds }: InviteDeps,
  i: Invitation,
  token: string,
  locale: Locale,
  who: AuditWho,
): Promise<MailOutcome> {
  const org = await sor.findOrgById(i.orgId);
  const msg = await renderMail(i.email, locale, {
    subject: 'mail.invite.subject',
    paragraphs: ['mail.invite.body', 'mail.invite.expires', 'mail.invite.not_you'],
    params: { org: org?.name ?? '', days: Math.max(1, Math.round(ttlSeconds / 86_400)) },
    // The token is a secret: only in the mail, never in logs (the mail service logs the kind).
    link: { href: `${issuer}/invite?token=${token}`, label: 'mail.invite.action' },
  });
  return mail.send(msg, {
    kind: 'invitation',
    userId: who.actorUserId ?? undefined,
    ip: who.ip ?? undefined,
  });
}

function revoke(sor: SystemOfRecord, i: Invitation, who: AuditWho): Promise<boolean> {
  return sor.transaction(async (tx) => {
    if (!(await tx.closeInvitation(i.id, 'revoked'))) return false;
    await audit(tx, who, 'invitation.revoked', { orgId: i.orgId }, { invitationId: i.id, email: i.email });
    return true;
  });
}

async function acceptNew(
  sor: SystemOfRecord,
  i: Invitation,
  passwordHash: string,
  who: Omit<AuditWho, 'actorUserId'>,
): Promise<User | undefined> {
  try {
    return await sor.transaction(async (tx) => {
      if (!(await tx.closeInvitation(i.id, 'accepted'))) throw new ConflictError('invitation used');
      const user = await tx.createUser({ email: i.email, passwordHash, emailVerified: true });
      await tx.setMembership(user.id, i.orgId, i.role);
      await audit(
        tx,
        { ...who, actorUserId: user.id },
        'invitation.accepted',
        { userId: user.id, orgId: i.orgId },
        { invitationId: i.id, role: i.role, newUser: true },
      );
      return user;
    });
  } catch (err) {
    if (err instanceof ConflictError) return undefined;
    throw err;
  }
}

export type Invitations = ReturnType<typeof createInvitations>;
