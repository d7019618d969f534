// The authenticator app's enrollment inside the sign-in (P5, T2, T3): the QR page with the other
// methods offered next to it, its restart, and the first code that enrolls it and shows the backup
// codes — POST /interaction/:uid/mfa/enroll/totp/{restart,confirm}.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { isFresh } from '../../../core/flow-steps.ts';
import { HttpError } from '../../../http/errors.ts';
import { readForm } from '../../../http/form.ts';
import { accepts, type MfaStep } from '../../../interactions/mfa/context.ts';
import { showBackupCodes } from '../../backup-codes/page.ts';
import type { SignInDeps } from '../../pages.ts';
import { confirmTotpCode, totpRefusal } from './confirm.ts';
import { showTotpEnrollment, type TotpPageOptions } from './view.ts';

function showPage(ctx: Context, deps: SignInDeps, step: MfaStep, opts: Partial<TotpPageOptions> = {}) {
  return showTotpEnrollment(ctx, deps.mfa, {
    userFlow: { user: step.state.user, flowKey: step.flow.flowKey },
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

/** Whether this sign-in enrolls the app now; otherwise back to the interaction. */
function enrollsApp(ctx: Context, step: MfaStep): boolean {
  if (step.enrolls && accepts(step, 'totp')) return true;
  // Already enrolled (e.g. the form was posted twice): the codes are never shown again.
  ctx.status = 303;
  ctx.redirect(`/interaction/${step.details.uid}`);
  return false;
}

async function restartTotp(ctx: Context, deps: SignInDeps, step: MfaStep): Promise<void> {
  readForm(ctx, {});
  if (step.enrolls && accepts(step, 'totp') && (await isFresh(deps.mfa, step.flow)))
    await deps.mfa.totpEnrollment.start(step.state.user, step.flow.flowKey, true);
  ctx.status = 303;
  ctx.redirect(`/interaction/${step.details.uid}`);
}

async function confirmTotp(ctx: Context, deps: SignInDeps, step: MfaStep): Promise<void> {
  const { code } = readForm(ctx, { code: { maxLength: 64 } });
  if (!enrollsApp(ctx, step) || !(await deps.ensureFresh(ctx, step, undefined, true))) return;
  const outcome = await confirmTotpCode(ctx, deps, step.flow, code);
  if (!outcome.ok) return showPage(ctx, deps, step, totpRefusal(ctx, outcome));
  // V6: the app is active from here on, so the codes are shown whatever fails next. Without the
  // completed step, "Done" leads back to this sign-in, which then asks for the app's next code.
  const done = outcome.next ?? `/interaction/${step.details.uid}`;
  await showBackupCodes(ctx, deps.services, outcome.result.backupCodes, step.state.user.email, done);
}

export function totpSignInRoutes(router: Router, deps: SignInDeps): void {
  router.post('/mfa/enroll/totp/restart', async (ctx) => restartTotp(ctx, deps, await deps.load(ctx)));
  router.post('/mfa/enroll/totp/confirm', async (ctx) => confirmTotp(ctx, deps, await deps.load(ctx)));
}
