// The steps a Flow (./flow.ts) runs the same at sign-in and on the settings page: the password page
// and its check (T1, counted before the check, V2), and an enrollment's first code (V2, V6, L4).
import type { Context } from 'koa';
import { checkPassword } from '../account/credentials.ts';
import { renderPage } from '../http/render.ts';
import { rateLimitedMessage } from '../mfa/refusal.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import type { FactorType } from '../store/records.ts';
import { afterCommit } from './after-commit.ts';
import { type Flow, whoActs } from './flow.ts';

interface StepDeps {
  services: Services;
  mfa: MfaService;
}

/** T1: is the flow's re-authentication fresh (REAUTH_WINDOW_SECONDS)? */
export function isFresh(mfa: MfaService, flow: Flow): Promise<boolean> {
  return mfa.reauth.isFresh(flow.flowKey, flow.user.id, flow.passwordAt);
}

/** The password page (T1); `expired` says the re-authentication is required again. */
export function showReauth(
  ctx: Context,
  flow: Flow,
  next: FactorType | undefined,
  opts: { expired?: boolean; error?: string; status?: number } = {},
): Promise<void> {
  const t = ctx.state.t;
  const error = opts.error ?? (opts.expired ? t('reauth.required') : null);
  return renderPage(
    ctx,
    'reauth',
    {
      title: t('reauth.title'),
      action: flow.reauthAction(next),
      email: flow.user.email,
      csrf: flow.csrf,
      error,
    },
    opts.status ?? (error ? 401 : 200),
  );
}

/** T1: true when fresh; otherwise the password page was shown. */
export async function ensureFresh(
  ctx: Context,
  mfa: MfaService,
  flow: Flow,
  next: FactorType | undefined,
  expired = false,
): Promise<boolean> {
  if (await isFresh(mfa, flow)) return true;
  await showReauth(ctx, flow, next, { expired });
  return false;
}

/**
 * T1, V2: the password typed again. The attempt counts before the password is checked; a right
 * password gives it back and marks the flow fresh (true). Otherwise the page is shown again with why.
 */
export async function reenterPassword(
  ctx: Context,
  { services, mfa }: StepDeps,
  flow: Flow,
  password: string,
  next: FactorType | undefined,
): Promise<boolean> {
  const t = ctx.state.t;
  const attempt = await mfa.guard.begin(flow.user.id, ctx.ip);
  // E2: an embedding host's accounts port checks its own users' passwords.
  const check = () =>
    services.verifyPassword
      ? services.verifyPassword(flow.user.id, password)
      : checkPassword(services.sor, flow.user.email, password);
  if (attempt.allowed && (await check())) {
    await attempt.cancel();
    await mfa.reauth.mark(flow.flowKey, flow.user.id);
    return true;
  }
  if (attempt.allowed) await attempt.fail(undefined, whoActs(ctx, flow));
  await showReauth(ctx, flow, next, {
    error: attempt.allowed ? t('reauth.invalid') : rateLimitedMessage(t, attempt.retryAfterSeconds),
    status: attempt.allowed ? 401 : 429,
  });
  return false;
}

type Refusal = 'incorrect' | 'expired' | 'already_enrolled';

export type ConfirmOutcome<R> =
  | { ok: true; result: R; next: string | undefined }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number }
  | { ok: false; reason: Refusal; remaining: number | undefined };

/**
 * An enrollment's first code (T2, S1). The attempt counts before the code is checked (V2); a
 * refusal that `counts` is a failed attempt (L3), others give it back. Once `confirm` has made the
 * method active, the housekeeping is best effort (V6) and the flow finishes with `amr` (L4).
 */
export async function confirmEnrollment<R extends { ok: true }>(
  ctx: Context,
  { services, mfa }: StepDeps,
  flow: Flow,
  step: {
    confirm(who: ReturnType<typeof whoActs>): Promise<R | { ok: false; reason: Refusal }>;
    amr: readonly string[];
    counts?(reason: Refusal): boolean;
  },
): Promise<ConfirmOutcome<R>> {
  const who = whoActs(ctx, flow);
  const attempt = await mfa.guard.begin(flow.user.id, ctx.ip);
  if (!attempt.allowed) {
    ctx.set('retry-after', String(attempt.retryAfterSeconds));
    return { ok: false, reason: 'rate_limited', retryAfterSeconds: attempt.retryAfterSeconds };
  }
  const result = await step.confirm(who);
  if (!result.ok) {
    const counts = step.counts ?? ((reason: Refusal) => reason === 'incorrect');
    if (!counts(result.reason)) {
      await attempt.cancel();
      return { ok: false, reason: result.reason, remaining: undefined };
    }
    const { remaining } = await attempt.fail(undefined, who);
    return { ok: false, reason: result.reason, remaining };
  }
  const { logger } = services;
  await afterCommit(logger, 'attempts', () => attempt.succeed());
  await afterCommit(logger, 'reauth', () => mfa.reauth.clear(flow.flowKey));
  const next = await afterCommit(logger, 'complete', () => flow.finish(step.amr));
  return { ok: true, result, next };
}
