// Using an invitation up (U2), shared by the password path (/account/invite/complete) and the
// SSO path (an invited person's first sign-in through an enforced organization's connection):
// the invitation closes, the membership is added with the invited role (never lowering a role
// already held), the address counts as verified (U5) and the acceptance is audited — inside the
// caller's transaction, so a second use of the same link changes nothing.
import { createHash } from 'node:crypto';
import { type AuditWho, audit } from '../audit.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import type { Invitation } from '../store/records.ts';

/** The signed cookie that keeps an invitation's token across the sign-in it needs. */
export const INVITE_COOKIE = 'deadbolt_invite';

export const sha256 = (token: string) => createHash('sha256').update(token).digest('base64url');

/** The invitation a link's token names (open or not); undefined for anything else. */
export async function invitationOf(sor: SystemOfRecord, token: unknown): Promise<Invitation | undefined> {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  return sor.findInvitationByTokenHash(sha256(token));
}

/** False when the invitation was used or closed meanwhile (nothing is changed then). */
export async function useInvitation(
  tx: SystemOfRecord,
  i: Invitation,
  user: { id: string; email: string },
  who: AuditWho,
  details: Record<string, unknown> = {},
): Promise<boolean> {
  if (user.email.toLowerCase() !== i.email.toLowerCase()) return false;
  if (!(await tx.closeInvitation(i.id, 'accepted'))) return false;
  const existing = (await tx.listMembershipsOfUser(user.id)).find((m) => m.orgId === i.orgId);
  if (!existing) await tx.setMembership(user.id, i.orgId, i.role);
  await tx.markEmailVerified(user.id, user.email);
  await audit(
    tx,
    who,
    'invitation.accepted',
    { userId: user.id, orgId: i.orgId },
    { invitationId: i.id, role: i.role, ...details },
  );
  return true;
}
