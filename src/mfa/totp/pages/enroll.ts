// The authenticator app's enrollment inside the sign-in (P5, T2, T3): the QR page with the other
// methods offered next to it, its restart, and the first code that enrolls it and shows the backup
// codes — POST /interaction/:uid/mfa/enroll/totp/{restart,confirm}.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { afterCommit } from '../../../core/after-commit.ts';
import { HttpError } from '../../../http/errors.ts';
import { readForm } from '../../../http/form.ts';
import { accepts, completeMfa, type MfaStep } from '../../../interactions/mfa/context.ts';
import { ACR_MFA } from '../../../oidc/acr.ts';
import { showBackupCodes } from '../../backup-codes/page.ts';
import type { SignInDeps } from '../../pages.ts';
import type { MfaService } from '../../service.ts';
import { showTotpEnrollment, type TotpPageOptions } from './view.ts';

const isFresh = (mfa: MfaService, step: MfaStep) =>
  mfa.reauth.isFresh(step.details.uid, step.state.user.id, step.passwordAt);

function showPage(ctx: Context, deps: SignInDeps, step: MfaStep, opts: Partial<TotpPageOptions> = {}) {
  return showTotpEnrollment(ctx, deps.mfa, {
    userFlow: { user: step.state.user, flowKey: step.details.uid },
    base: `/interaction/${step.details.uid}/mfa`,
    required: true,
    choices: deps.enrollLinks(ctx, step),
    ...opts,
  });
}

export async function showSignInEnrollment(ctx: Context, deps: SignInDeps, step: MfaStep) {
  if (!accepts(step, 'totp')) throw new HttpError(404, 'error.not_found'); // G3
  return showPage(ctx, deps, step);
}

export async function restartTotp(ctx: Context, mfa: MfaService, step: MfaStep): Promise<void> {
  readForm(ctx, {});
  if (step.enrolls && accepts(step, 'totp') && (await isFresh(mfa, step)))
    await mfa.totpEnrollment.start(step.state.user, step.details.uid, true);
  ctx.status = 303;
  ctx.redirect(`/interaction/${step.details.uid}`);
}

export async function confirmTotp(ctx: Context, deps: SignInDeps, step: MfaStep): Promise<void> {
  const { provider, services, mfa } = deps;
  const t = ctx.state.t;
  const { code } = readForm(ctx, { code: { maxLength: 64 } });
  if (!step.enrolls || !accepts(step, 'totp')) {
    // Already enrolled (e.g. the form was posted twice): the codes are never shown again.
    ctx.status = 303;
    ctx.redirect(`/interaction/${step.details.uid}`);
    return;
  }
  if (!(await isFresh(mfa, step))) return deps.showEnrollment(ctx, step, { expired: true });
  const who = { actorUserId: step.state.user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') };
  const attempt = await mfa.guard.begin(step.state.user.id, ctx.ip); // V2: counted first
  if (!attempt.allowed) {
    ctx.set('retry-after', String(attempt.retryAfterSeconds));
    return showPage(ctx, deps, step, {
      status: 429,
      error: t('mfa.rate_limited', { minutes: Math.ceil(attempt.retryAfterSeconds / 60) }),
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
    return showPage(ctx, deps, step, { status: 400, error });
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
  await showBackupCodes(
    ctx,
    services,
    result.backupCodes,
    step.state.user.email,
    redirectTo ?? `/interaction/${step.details.uid}`,
  );
}

export function totpSignInRoutes(router: Router, deps: SignInDeps): void {
  router.post('/mfa/enroll/totp/restart', async (ctx) => restartTotp(ctx, deps.mfa, await deps.load(ctx)));
  router.post('/mfa/enroll/totp/confirm', async (ctx) => confirmTotp(ctx, deps, await deps.load(ctx)));
}
