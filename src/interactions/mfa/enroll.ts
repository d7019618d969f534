// Enrollment inside the sign-in (P5) for a user who must use MFA and has no method yet: password
// re-authentication (T1), the authenticator app with its QR code (T2), then the backup codes (T3).
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { checkPassword } from '../../account/credentials.ts';
import { afterCommit } from '../../core/after-commit.ts';
import { readForm } from '../../http/form.ts';
import { renderPage } from '../../http/render.ts';
import type { MfaService } from '../../mfa/service.ts';
import { ACR_MFA } from '../../oidc/acr.ts';
import type { Services } from '../../services.ts';
import { accepts, completeMfa, type MfaStep } from './context.ts';
import { enrollmentViews, ssoReauth } from './enroll-steps.ts';
import { enrollChoices, showSmsEnrollment } from './sms-enroll.ts';

async function isFresh(mfa: MfaService, step: MfaStep): Promise<boolean> {
  return mfa.reauth.isFresh(step.details.uid, step.state.user.id, step.passwordAt);
}

export async function showEnrollment(
  ctx: Context,
  services: Services,
  mfa: MfaService,
  step: MfaStep,
  opts: { expired?: boolean } = {},
) {
  const base = `/interaction/${step.details.uid}/mfa`;
  const views = enrollmentViews(ctx, services, mfa);
  // S1: SMS (?enroll=sms) starts with the same re-authentication, and comes back to SMS after it.
  const sms = ctx.method === 'GET' && ctx.query.enroll === 'sms';
  if (opts.expired || !(await isFresh(mfa, step))) {
    if (await ssoReauth(ctx, services, mfa, step)) return;
    return views.reauth(`${base}/reauth${sms ? '?enroll=sms' : ''}`, step.state.user.email, {
      expired: opts.expired,
    });
  }
  // G3: an organization that accepts only SMS leads straight to it.
  if (sms || !accepts(step, 'totp')) return showSmsEnrollment(ctx, services, mfa, step);
  return views.totp({
    userFlow: { user: step.state.user, flowKey: step.details.uid },
    base,
    required: true,
    choices: enrollChoices(ctx, services, mfa, step),
  });
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
  // E2: a host's accounts port checks its own users' passwords.
  const check = services.verifyPassword
    ? services.verifyPassword(step.state.user.id, password)
    : checkPassword(services.sor, step.state.user.email, password);
  const ok = attempt.allowed && Boolean(await check);
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
  ctx.redirect(`/interaction/${step.details.uid}${ctx.query.enroll === 'sms' ? '?enroll=sms' : ''}`);
}

export async function restartTotp(ctx: Context, mfa: MfaService, step: MfaStep): Promise<void> {
  readForm(ctx, {});
  if (step.enrolls && accepts(step, 'totp') && (await isFresh(mfa, step)))
    await mfa.totpEnrollment.start(step.state.user, step.details.uid, true);
  ctx.status = 303;
  ctx.redirect(`/interaction/${step.details.uid}`);
}

export async function confirmTotp(
  ctx: Context,
  provider: Provider,
  services: Services,
  mfa: MfaService,
  step: MfaStep,
): Promise<void> {
  const t = ctx.state.t;
  const { code } = readForm(ctx, { code: { maxLength: 64 } });
  if (!step.enrolls || !accepts(step, 'totp')) {
    // Already enrolled (e.g. the form was posted twice): the codes are never shown again.
    ctx.status = 303;
    ctx.redirect(`/interaction/${step.details.uid}`);
    return;
  }
  if (!(await isFresh(mfa, step))) return showEnrollment(ctx, services, mfa, step, { expired: true });
  const who = { actorUserId: step.state.user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') };
  const views = enrollmentViews(ctx, services, mfa);
  const userFlow = { user: step.state.user, flowKey: step.details.uid };
  const base = `/interaction/${step.details.uid}/mfa`;
  const attempt = await mfa.guard.begin(step.state.user.id, ctx.ip); // V2: counted first
  if (!attempt.allowed) {
    ctx.set('retry-after', String(attempt.retryAfterSeconds));
    return views.totp({
      userFlow,
      base,
      required: true,
      status: 429,
      error: t('mfa.rate_limited', { minutes: Math.ceil(attempt.retryAfterSeconds / 60) }),
      choices: enrollChoices(ctx, services, mfa, step),
    });
  }
  const result = await mfa.totpEnrollment.confirm(
    step.state.user,
    step.details.uid,
    code.normalize('NFKC'),
    who,
  );
  if (!result.ok) {
    if (result.reason === 'incorrect') await attempt.fail(undefined, who);
    else await attempt.cancel();
    const error = result.reason === 'expired' ? t('enroll.expired') : t('mfa.incorrect');
    return views.totp({
      userFlow,
      base,
      required: true,
      status: 400,
      error,
      choices: enrollChoices(ctx, services, mfa, step),
    });
  }
  // V6: the app is active from here on, so the codes are shown whatever fails next. Without the
  // recorded step, "Done" leads back to this sign-in, which then asks for the app's next code.
  const { logger } = services;
  await afterCommit(logger, 'attempts', () => attempt.succeed());
  await afterCommit(logger, 'reauth', () => mfa.reauth.clear(step.details.uid));
  // The person just proved the app works: this sign-in has its second factor.
  const redirectTo = await afterCommit(logger, 'complete', () =>
    completeMfa(ctx, provider, step, ['otp'], ACR_MFA),
  );
  await views.backupCodes(
    result.backupCodes,
    step.state.user.email,
    redirectTo ?? `/interaction/${step.details.uid}`,
  );
}
