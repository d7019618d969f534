// The authenticator app's first code (T2), the same at sign-in and on the settings page: the
// shared enrollment step of src/core/flow-steps.ts, with the app's messages.
import type { Context } from 'koa';
import type { Flow } from '../../../core/flow.ts';
import { type ConfirmOutcome, confirmEnrollment } from '../../../core/flow-steps.ts';
import type { PageDeps } from '../../pages.ts';
import { rateLimitedMessage } from '../../refusal.ts';

export function confirmTotpCode(ctx: Context, deps: PageDeps, flow: Flow, code: string) {
  return confirmEnrollment(ctx, deps, flow, {
    confirm: (who) => deps.mfa.totpEnrollment.confirm(flow.user, flow.flowKey, code.normalize('NFKC'), who),
    amr: ['otp'],
  });
}

/** What the QR page says after a refused first code. */
export function totpRefusal(
  ctx: Context,
  outcome: Exclude<ConfirmOutcome<unknown & { ok: true }>, { ok: true }>,
): { status: number; error: string } {
  const t = ctx.state.t;
  if (outcome.reason === 'rate_limited')
    return { status: 429, error: rateLimitedMessage(t, outcome.retryAfterSeconds) };
  return { status: 400, error: outcome.reason === 'expired' ? t('enroll.expired') : t('mfa.incorrect') };
}
