// One flow for the sign-in and the settings pages (issue 10). The same steps — the password typed
// again (T1), a method's enrollment confirmed with its first code (V2, V6), the second factor
// recorded on the session (L4, G5) — run in the MFA step of a sign-in (kind 'signin', keyed by the
// interaction) and on the security settings page (kind 'settings', keyed by the account session).
// A Flow says what differs; ./flow-steps.ts writes the steps once. The sign-in builds its flow in
// src/interactions/mfa/context.ts, the settings pages in src/account/session.ts.
import type { Context } from 'koa';
import type { AuditWho } from '../audit.ts';
import type { FactorType, User } from '../store/records.ts';

export type FlowKind = 'signin' | 'settings';

export interface Flow {
  readonly kind: FlowKind;
  readonly user: User;
  /** What the flow's codes, pending enrollments and re-authentication mark are keyed by. */
  readonly flowKey: string;
  /** Settings: the CSRF token its forms carry. */
  readonly csrf?: string;
  /** T1: when the password (or an SSO sign-in) was completed in this very flow (a sign-in's own). */
  readonly passwordAt?: number;
  /** Where the password page (T1) posts, to come back to `next`'s enrollment afterwards. */
  reauthAction(next?: FactorType): string;
  /**
   * L4, G5: the person just proved `factorAmr` in this flow — the sign-in completes with it, or the
   * settings page's session is upgraded. Resolves to where the flow goes next.
   */
  finish(factorAmr: readonly string[]): Promise<string>;
}

/** L4: the amr after a second factor — the factor's values, and 'mfa' once. */
export function withSecondFactor(amr: readonly string[], factorAmr: readonly string[]): string[] {
  return [...new Set([...amr.filter((v) => v !== 'mfa'), ...factorAmr, 'mfa'])];
}

/** Who acts in the flow, for the audit log and the attempt counters. */
export function whoActs(ctx: Context, flow: Flow): AuditWho & { ip: string } {
  return { actorUserId: flow.user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') };
}
