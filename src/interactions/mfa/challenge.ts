// The MFA challenge at sign-in (L2, L3): the preferred factor first (app over SMS), a backup code
// as fallback, a clear message for a wrong code, and limits on attempts.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { HttpError } from '../../http/errors.ts';
import { readForm } from '../../http/form.ts';
import { renderPage } from '../../http/render.ts';
import { attemptsLeftNotice, refusalError } from '../../mfa/refusal.ts';
import { isFactorType } from '../../mfa/registry.ts';
import type { MfaService } from '../../mfa/service.ts';
import { ACR_MFA } from '../../oidc/acr.ts';
import type { FactorType } from '../../store/records.ts';
import { completeMfa, loadMfaStep, type MfaStep } from './context.ts';
import { showLocked } from './locked.ts';
import { type SmsChallengeMode, smsChallengeView } from './sms.ts';

export interface ChallengeView {
  method: FactorType;
  error?: string | null;
  notice?: string | null;
  status?: number;
  canSubmit?: boolean;
  /** SMS only: send when the page opens (GET default), resend on request, or only describe (POST default). */
  smsMode?: SmsChallengeMode;
}

export function pickMethod(step: MfaStep, requested: unknown): FactorType | undefined {
  const allowed = step.decision.allowedFactors;
  if (isFactorType(requested) && allowed.includes(requested)) return requested;
  return step.decision.preferred ?? undefined;
}

export async function showChallenge(
  ctx: Context,
  mfa: MfaService,
  step: MfaStep,
  view: ChallengeView,
): Promise<void> {
  const t = ctx.state.t;
  const { method } = view;
  const base = `/interaction/${step.details.uid}`;
  const backupLeft = mfa.factors.get('backup_code')?.usable(step.state.records).length ?? 0;
  const factor = mfa.factors.get(method);
  let challengeError: string | undefined;
  let challengeNotice: string | undefined;
  let challengeStatus: number | undefined;
  let resend: { action: string; label: string; waitSeconds: number; waitText: string } | null = null;
  let intro = t(`mfa.intro.${method}`, { issuer: ctx.state.issuerName ?? 'Deadbolt' });
  if (factor && method === 'sms') {
    // L2/S3: a code is sent when the step opens; a re-rendered page after a POST only describes.
    const sms = await smsChallengeView(
      ctx,
      mfa,
      step,
      view.smsMode ?? (ctx.method === 'GET' ? 'open' : 'status'),
    );
    ({ intro, resend } = sms);
    challengeError = sms.error;
    challengeNotice = sms.notice;
    challengeStatus = sms.status;
  }
  const alternatives: Array<{ href: string; label: string }> = [];
  const allowed = step.decision.allowedFactors;
  if (method !== 'backup_code' && allowed.includes('backup_code') && backupLeft > 0) {
    alternatives.push({
      href: `${base}?method=backup_code`,
      label: t('mfa.use_backup', { count: backupLeft }),
    });
  }
  if (method !== 'totp' && allowed.includes('totp'))
    alternatives.push({ href: `${base}?method=totp`, label: t('mfa.use_totp') });
  if (method !== 'sms' && allowed.includes('sms'))
    alternatives.push({ href: `${base}?method=sms`, label: t('mfa.use_sms') });
  await renderPage(
    ctx,
    'mfa-challenge',
    {
      title: t('mfa.title'),
      intro,
      method,
      action: `${base}/mfa/verify`,
      error: view.error ?? challengeError ?? null,
      notice: [view.notice, challengeNotice].filter(Boolean).join(' ') || null,
      canSubmit: view.canSubmit ?? true,
      resend,
      alternatives,
      noBackupLeft: allowed.includes('totp') && backupLeft === 0 && method === 'backup_code',
      // G4: "don't ask again on this device", only where the decision offers it (off by default).
      rememberDays: step.decision.rememberDays ?? 0,
      // G6: one backup code left (or none): say so, with the T3 path to new codes.
      backupLow:
        allowed.includes('totp') && backupLeft <= 1
          ? t(backupLeft === 0 ? 'mfa.backup_none' : 'mfa.backup_low', { count: backupLeft })
          : null,
    },
    view.status ?? challengeStatus,
  );
}

export async function submitChallenge(
  ctx: Context,
  provider: Provider,
  mfa: MfaService,
  step: MfaStep,
): Promise<void> {
  const t = ctx.state.t;
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
    const redirectTo = await completeMfa(ctx, provider, step, outcome.amr, ACR_MFA);
    const days = step.decision.rememberDays ?? 0;
    // G4: after the step is recorded, best effort (a device not remembered means a code next time).
    if (form.remember === 'yes' && days > 0)
      await mfa.rememberedDevices.remember(ctx, step.state.user.id, days);
    ctx.status = 303;
    ctx.redirect(redirectTo);
    return;
  }
  switch (outcome.error) {
    case 'incorrect':
      // X6: what happened (used code, reused step, clock off) and, from the third try, attempts left.
      return showChallenge(
        ctx,
        mfa,
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
      return showChallenge(ctx, mfa, step, {
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
      return showChallenge(ctx, mfa, now, { method, status: 423, error: t('mfa.locked'), canSubmit: false });
    }
    default:
      throw new HttpError(400, 'error.bad_request');
  }
}
