// Enrollment inside the sign-in (P5) for a user who must use MFA and has no method yet: password
// re-authentication (T1), then the enrollment of a method the decision accepts (its pages live in
// its folder, src/mfa/<factor>/pages/, listed in src/mfa/page-registry.ts).
import type { Context } from 'koa';
import { checkPassword } from '../../account/credentials.ts';
import { readForm } from '../../http/form.ts';
import { renderPage } from '../../http/render.ts';
import { FACTOR_PAGES, pagesOf } from '../../mfa/page-registry.ts';
import type { PageDeps, SignInDeps } from '../../mfa/pages.ts';
import { isFactorType } from '../../mfa/registry.ts';
import type { MfaService } from '../../mfa/service.ts';
import type { Services } from '../../services.ts';
import type { FactorType } from '../../store/records.ts';
import { accepts, type MfaStep } from './context.ts';
import { enrollmentViews, ssoReauth } from './enroll-steps.ts';

async function isFresh(mfa: MfaService, step: MfaStep): Promise<boolean> {
  return mfa.reauth.isFresh(step.details.uid, step.state.user.id, step.passwordAt);
}

/** S1: the method asked for with ?enroll=<type>, when it has an enrollment of its own. */
function requestedEnrollment(ctx: Context): FactorType | undefined {
  const type = ctx.query.enroll;
  return isFactorType(type) && pagesOf(type)?.enroll ? type : undefined;
}

/** The other methods' enrollments offered next to the one shown. */
export function enrollLinks(ctx: Context, deps: PageDeps, step: MfaStep) {
  return FACTOR_PAGES.flatMap((p) => p.enroll?.link?.(ctx, deps, step) ?? []);
}

export async function showEnrollment(
  ctx: Context,
  deps: SignInDeps,
  step: MfaStep,
  opts: { expired?: boolean } = {},
) {
  const { services, mfa } = deps;
  const base = `/interaction/${step.details.uid}/mfa`;
  // S1: another method (?enroll=sms) starts with the same re-authentication, and comes back to it.
  const requested = ctx.method === 'GET' ? requestedEnrollment(ctx) : undefined;
  if (opts.expired || !(await isFresh(mfa, step))) {
    if (await ssoReauth(ctx, services, mfa, step)) return;
    const action = `${base}/reauth${requested ? `?enroll=${requested}` : ''}`;
    return enrollmentViews(ctx, services, mfa).reauth(action, step.state.user.email, {
      expired: opts.expired,
    });
  }
  // G3: the strongest method the decision accepts, unless another one was asked for.
  const chosen =
    (requested && pagesOf(requested)) ??
    FACTOR_PAGES.find((p) => p.enroll && accepts(step, p.type)) ??
    FACTOR_PAGES[0];
  return chosen.enroll!.show(ctx, deps, step);
}

export async function submitReauth(
  ctx: Context,
  services: Services,
  mfa: MfaService,
  step: MfaStep,
): Promise<void> {
  const t = ctx.state.t;
  const { password } = readForm(ctx, {
    password: { maxLength: 1024 },
    username: { maxLength: 254, optional: true },
  });
  if (!step.enrolls) {
    // Re-authentication here only leads to an enrollment (P5), which a locked user never gets (V1).
    ctx.status = 303;
    ctx.redirect(`/interaction/${step.details.uid}`);
    return;
  }
  if (await ssoReauth(ctx, services, mfa, step)) return; // F2: SSO users re-authenticate there
  // V2: the attempt counts before the password is checked; a right password gives it back.
  const attempt = await mfa.guard.begin(step.state.user.id, ctx.ip);
  const ok = attempt.allowed && (await checkPassword(services.sor, step.state.user.email, password));
  if (!ok) {
    if (attempt.allowed) await attempt.fail(undefined, { actorUserId: step.state.user.id, ip: ctx.ip });
    return renderPage(
      ctx,
      'reauth',
      {
        title: t('reauth.title'),
        action: ctx.path,
        email: step.state.user.email,
        error: attempt.allowed
          ? t('reauth.invalid')
          : t('mfa.rate_limited', { minutes: Math.ceil(attempt.retryAfterSeconds / 60) }),
      },
      attempt.allowed ? 401 : 429,
    );
  }
  await attempt.cancel();
  await mfa.reauth.mark(step.details.uid, step.state.user.id);
  ctx.status = 303;
  const requested = requestedEnrollment(ctx);
  ctx.redirect(`/interaction/${step.details.uid}${requested ? `?enroll=${requested}` : ''}`);
}
