// Enrollment inside the sign-in (P5) for a user who must use MFA and has no method yet: the
// re-authentication (T1: the password, or the organization's SSO, F2), then the enrollment of a
// method the decision accepts (its pages live in its folder, src/mfa/<factor>/pages/, listed in
// src/mfa/page-registry.ts).
import type { Context } from 'koa';
import { isFresh, reenterPassword, showReauth } from '../../core/flow-steps.ts';
import { readForm } from '../../http/form.ts';
import { FACTOR_PAGES, pagesOf } from '../../mfa/page-registry.ts';
import type { PageDeps, SignInDeps } from '../../mfa/pages.ts';
import { isFactorType } from '../../mfa/registry.ts';
import { startSsoReauth } from '../../sso/reauth.ts';
import type { FactorType } from '../../store/records.ts';
import { accepts, type MfaStep } from './context.ts';

/** S1, W1: the method asked for with ?enroll=<type>, when it has an enrollment of its own. */
function requestedEnrollment(ctx: Context, { mfa }: PageDeps): FactorType | undefined {
  const type = ctx.query.enroll;
  if (!isFactorType(type)) return undefined;
  return pagesOf(type)?.enroll || mfa.factors.get(type)?.enrollPage ? type : undefined;
}

/** The ceremony factors (a passkey) this step accepts, with an enrollment page of their own (W1). */
const ceremonies = ({ mfa }: PageDeps, step: MfaStep) =>
  [...mfa.factors.values()].filter((f) => f.enrollPage && accepts(step, f.type));

/** The other methods' enrollments offered next to the one shown (a passkey first, W1). */
export function enrollLinks(ctx: Context, deps: PageDeps, step: MfaStep) {
  const ceremony = ceremonies(deps, step).map((f) => ({
    href: `/interaction/${step.details.uid}?enroll=${f.type}`,
    label: ctx.state.t(`enroll.${f.type}.choose`),
  }));
  return [...ceremony, ...FACTOR_PAGES.flatMap((p) => p.enroll?.link?.(ctx, deps, step) ?? [])];
}

/**
 * W1, W5: a ceremony factor's enrollment (a passkey) when it was asked for, or when it is all the
 * decision accepts (a `phr` request); false when a code method's enrollment applies.
 */
async function ceremonyEnrollment(
  ctx: Context,
  deps: PageDeps,
  step: MfaStep,
  requested: FactorType | undefined,
): Promise<boolean> {
  const codeMethods = FACTOR_PAGES.some((p) => p.enroll && accepts(step, p.type));
  const own = ceremonies(deps, step).find((f) => requested === f.type || (!requested && !codeMethods));
  if (!own?.enrollPage) return false;
  const base = `/interaction/${step.details.uid}`;
  const choices = enrollLinks(ctx, deps, step).filter((c) => !c.href.endsWith(`=${own.type}`));
  await own.enrollPage(ctx, { user: step.state.user, flowKey: step.details.uid, base, choices });
  return true;
}

/**
 * T1 for someone who signs in through SSO (F2): the re-authentication goes through their
 * organization's SSO (prompt=login), never a password; false when SSO does not apply.
 */
function ssoReauth(ctx: Context, { services, mfa }: PageDeps, step: MfaStep): Promise<boolean> {
  const session = step.details.session as { uid?: string } | undefined;
  const who = { accountId: step.state.user.id, sessionUid: session?.uid, amr: step.amr };
  return startSsoReauth(ctx, services, mfa.ssoMarks, step.details, who, { promptLogin: true });
}

/** T1 before an enrollment step: true when fresh; otherwise SSO (F2) or the password page took over. */
export async function ensureFresh(
  ctx: Context,
  deps: PageDeps,
  step: MfaStep,
  next?: FactorType,
  expired = false,
): Promise<boolean> {
  if (await isFresh(deps.mfa, step.flow)) return true;
  if (await ssoReauth(ctx, deps, step)) return false;
  await showReauth(ctx, step.flow, next, { expired });
  return false;
}

export async function showEnrollment(ctx: Context, deps: SignInDeps, step: MfaStep) {
  // S1: another method (?enroll=sms) starts with the same re-authentication, and comes back to it.
  const requested = ctx.method === 'GET' ? requestedEnrollment(ctx, deps) : undefined;
  if (!(await ensureFresh(ctx, deps, step, requested))) return;
  if (await ceremonyEnrollment(ctx, deps, step, requested)) return;
  // G3: the strongest method the decision accepts, unless another one was asked for.
  const chosen =
    (requested && pagesOf(requested)) ??
    FACTOR_PAGES.find((p) => p.enroll && accepts(step, p.type)) ??
    FACTOR_PAGES.find((p) => p.enroll)!;
  return chosen.enroll!.show(ctx, deps, step);
}

export async function submitReauth(ctx: Context, deps: PageDeps, step: MfaStep): Promise<void> {
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
  if (await ssoReauth(ctx, deps, step)) return; // F2: SSO users re-authenticate there
  const next = requestedEnrollment(ctx, deps);
  if (!(await reenterPassword(ctx, deps, step.flow, password, next))) return;
  ctx.status = 303;
  ctx.redirect(`/interaction/${step.details.uid}${next ? `?enroll=${next}` : ''}`);
}
