// Audit events (R3): every factor change, reset, policy change, lockout and rate-limit hit.
import type { SystemOfRecord } from './store/ports.ts';

/** Every action the audit log records (the owner's log filters by these, A5). */
export const AUDIT_ACTIONS = [
  'factor.enrolled',
  'factor.disabled',
  'factor.locked',
  'mfa.reset',
  'mfa.rate_limited',
  'sms.rate_limited',
  'org.updated',
  'org.policy_changed',
  'sso.configured',
  'sso.removed',
  'sso.linked',
  'sso.user_created',
  'consent.revoked', // I8
  'user.imported', // A4 (written by src/store/sor/import-queries.ts)
  'password.changed', // U3
  'password.reset', // U4
  'email.verified', // U5
  'invitation.created', // U2
  'invitation.accepted', // U2
  'invitation.revoked', // U2
  'device.remembered', // G4
  'device.forgotten', // G4
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditWho {
  actorUserId: string | null;
  actorLabel?: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

export function audit(
  sor: SystemOfRecord,
  who: AuditWho,
  action: AuditAction,
  target: { userId?: string | null; orgId?: string | null },
  details: Record<string, unknown> = {},
) {
  return sor.appendAudit({
    actorUserId: who.actorUserId,
    actorLabel: who.actorLabel ?? null,
    action,
    targetUserId: target.userId ?? null,
    orgId: target.orgId ?? null,
    ip: who.ip ?? null,
    userAgent: who.userAgent?.slice(0, 512) ?? null,
    details,
  });
}
