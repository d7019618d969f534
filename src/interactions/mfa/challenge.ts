// The MFA challenge at sign-in (L2, L3): the preferred factor first (app over SMS), a backup code
// as fallback, a clear message for a wrong code, and limits on attempts.
import type { Context } from 'koa';
import { HttpError } from '../../http/errors.ts';
import { readForm } from '../../http/form.ts';
import { renderPage } from '../../http/render.ts';
import { FACTOR_PAGES, pagesOf } from '../../mfa/page-registry.ts';
import type { ChallengeMode, ChallengePart, PageDeps } from '../../mfa/pages.ts';
import { attemptsLeftNotice, refusalError } from '../../mfa/refusal.ts';
import { isFactorType, isMethod, moduleOf } from '../../mfa/registry.ts';
import type { MfaVerifyOutcome } from '../../mfa/service.ts';
import type { FactorType } from '../../store/records.ts';
import { loadMfaStep, type MfaStep } from './context.ts';
import { showLocked } from './locked.ts';

export interface ChallengeView {
  method: FactorType;
  error?: string | null;
  notice?: string | null;
  status?: number;
  canSubmit?: boolean;
  /** For a factor with a part of its own (SMS: send when the page opens — the GET default —, resend on request, or only describe — the POST default). */
  mode?: ChallengeMode;
}

export function pickMethod(step: MfaStep, requested: unknown): FactorType | undefined {
  const allowed = step.decision.allowedFactors;
  if (isFactorType(requested) && allowed.includes(requested)) return requested;
  return step.decision.preferred ?? undefined;
}

/** The method's own part of the page (SMS: the code sent, the resend), else its intro. */
function ownPart(ctx: Context, deps: PageDeps, step: MfaStep, view: ChallengeView): Promise<ChallengePart> {
  const { method } = view;
  const own = deps.mfa.factors.get(method) ? pagesOf(method)?.challenge : undefined;
  // L2/S3: a code is sent when the step opens; a re-rendered page after a POST only describes.
  if (own) return own(ctx, deps, step, view.mode ?? (ctx.method === 'GET' ? 'open' : 'status'));
  const intro = ctx.state.t(`mfa.intro.${method}`, { issuer: ctx.state.issuerName ?? 'Deadbolt' });
  return Promise.resolve({ intro, resend: null });
}

/**
 * L2: the other methods this step allows, with what is left — a ceremony factor (a passkey, the
 * strongest) first, then fallbacks (backup codes), then the other code methods.
 */
function alternativesOf(ctx: Context, deps: PageDeps, step: MfaStep, method: FactorType) {
  const others = step.decision.allowedFactors.filter((type) => type !== method);
  const ceremony = (type: FactorType) => Boolean(deps.mfa.factors.get(type)?.challengePage);
  const codes = others.filter((type) => !ceremony(type));
  const ordered = [
    ...others.filter(ceremony),
    ...codes.filter((type) => !isMethod(type)),
    ...codes.filter(isMethod),
  ];
  return ordered.flatMap((type) => {
    const left = deps.mfa.factors.get(type)?.usable(step.state.records).length ?? 0;
    if (left === 0) return [];
    const label = ctx.state.t(moduleOf(type).useKey ?? `mfa.use_${type}`, { count: left });
    return [{ href: `/interaction/${step.details.uid}?method=${type}`, label }];
  });
}

export async function showChallenge(
  ctx: Context,
  deps: PageDeps,
  step: MfaStep,
  view: ChallengeView,
): Promise<void> {
  const t = ctx.state.t;
  const { method } = view;
  const alternatives = alternativesOf(ctx, deps, step, method);
  const factor = deps.mfa.factors.get(method);
  if (factor?.challengePage) {
    // A ceremony factor (a passkey, W2) has a page of its own, with the code methods as alternatives.
    const { user, records } = step.state;
    const base = `/interaction/${step.details.uid}`;
    const [error, notice] = [view.error ?? null, view.notice ?? null];
    const page = { user, records, flowKey: step.details.uid, base, alternatives, error, notice };
    return factor.challengePage(ctx, { ...page, canSubmit: view.canSubmit ?? true, status: view.status });
  }
  const part = await ownPart(ctx, deps, step, view);
  await renderPage(
    ctx,
    'mfa-challenge',
    {
      title: t('mfa.title'),
      intro: part.intro,
      method,
      numeric: !pagesOf(method)?.lettersInCode,
      action: `/interaction/${step.details.uid}/mfa/verify`,
      error: view.error ?? part.error ?? null,
      notice: [view.notice, part.notice].filter(Boolean).join(' ') || null,
      canSubmit: view.canSubmit ?? true,
      resend: part.resend,
      alternatives,
      // G4: "don't ask again on this device", only where the decision offers it (off by default).
      rememberDays: step.decision.rememberDays ?? 0,
      // What the factors say under the form (G6: backup codes left, src/mfa/backup-codes/).
      notes: FACTOR_PAGES.flatMap((p) => p.challengeNotes?.(ctx, deps.mfa, step, method) ?? []),
    },
    view.status ?? part.status,
  );
}

export async function submitChallenge(ctx: Context, deps: PageDeps, step: MfaStep): Promise<void> {
  const { mfa } = deps;
  const form = readForm(ctx, {
    method: { maxLength: 16 },
    code: { maxLength: 64 },
    remember: { maxLength: 3, optional: true },
  });
  if (step.decision.locked) return showLocked(ctx, step); // V1
  const method = pickMethod(step, form.method);
  if (!method || method !== form.method) throw new HttpError(400, 'error.bad_request');
  // Full-width digits from a Japanese keyboard are the same digits (NFKC).
  const code = form.code.normalize('NFKC');
  const outcome = await mfa.verify(step.state, method, code, step.details.uid, {
    actorUserId: step.state.user.id,
    ip: ctx.ip,
    userAgent: ctx.get('user-agent'),
  });
  if (outcome.ok) {
    const redirectTo = await step.flow.finish(outcome.amr);
    const days = step.decision.rememberDays ?? 0;
    // G4: after the step is recorded, best effort (a device not remembered means a code next time).
    if (form.remember === 'yes' && days > 0)
      await mfa.rememberedDevices.remember(ctx, step.state.user.id, days);
    ctx.status = 303;
    ctx.redirect(redirectTo);
    return;
  }
  return showRefusal(ctx, deps, step, method, outcome);
}

/** A refused code (L3, V1, V2): the challenge again with what happened, or the locked page. */
async function showRefusal(
  ctx: Context,
  deps: PageDeps,
  step: MfaStep,
  method: FactorType,
  outcome: Extract<MfaVerifyOutcome, { ok: false }>,
): Promise<void> {
  const { provider, mfa } = deps;
  const t = ctx.state.t;
  switch (outcome.error) {
    case 'incorrect':
      // X6: what happened (used code, reused step, clock off) and, from the third try, attempts left.
      return showChallenge(
        ctx,
        deps,
        { ...step, state: (await mfa.load(step.state.user.id)) ?? step.state },
        {
          method,
          status: 401,
          error: refusalError(t, method, outcome),
          notice: attemptsLeftNotice(t, outcome, mfa.maxFailuresPerWindow),
        },
      );
    case 'rate_limited':
      ctx.set('retry-after', String(outcome.retryAfterSeconds ?? 60));
      return showChallenge(ctx, deps, step, {
        method,
        status: 429,
        error: refusalError(t, method, outcome),
        canSubmit: false,
      });
    case 'locked': {
      // V1: with every method now locked the step ends here, saying who can reset it; else the
      // methods still usable (backup codes, SMS) are offered next to the message.
      const now = await loadMfaStep(ctx, provider, mfa, step.details);
      if (now.decision.locked) return showLocked(ctx, now);
      return showChallenge(ctx, deps, now, { method, status: 423, error: t('mfa.locked'), canSubmit: false });
    }
    default:
      throw new HttpError(400, 'error.bad_request');
  }
}
