// SMS enrollment inside the sign-in (P5, S1–S3): the steps of ./enroll-flow.ts in the MFA step
// of an interaction — POST /interaction/:uid/mfa/enroll/sms/{send,resend,confirm} — and the
// "Set up text messages (SMS)" choice next to the app.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { HttpError } from '../../../http/errors.ts';
import { readForm } from '../../../http/form.ts';
import { accepts, type MfaStep } from '../../../interactions/mfa/context.ts';
import type { PageDeps, SignInDeps } from '../../pages.ts';
import { smsParts, tOf } from './common.ts';
import {
  confirmEnrollmentCode,
  resendEnrollmentCode,
  type SmsEnrollPlace,
  sendEnrollmentCode,
  showSmsEnrollPage,
} from './enroll-flow.ts';

/** "Set up text messages (SMS)" next to the authenticator app during enrollment. */
export function enrollLink(ctx: Context, { services, mfa }: PageDeps, step: MfaStep) {
  if (!smsParts(services, mfa) || !accepts(step, 'sms')) return undefined; // G3
  return { href: `/interaction/${step.details.uid}?enroll=sms`, label: tOf(ctx)('enroll.sms.choose') };
}

/** This interaction as the place of an SMS enrollment; 404 where SMS is not offered (G3). */
function placeOf({ services, mfa }: PageDeps, step: MfaStep): SmsEnrollPlace {
  const parts = smsParts(services, mfa);
  if (!parts || !accepts(step, 'sms')) throw new HttpError(404, 'error.not_found'); // G3
  const interaction = `/interaction/${step.details.uid}`;
  return {
    flow: step.flow,
    parts,
    required: step.enrolls,
    page: `${interaction}?enroll=sms`,
    actions: `${interaction}/mfa/enroll/sms`,
    appHref: interaction,
    enrolledHref: interaction,
  };
}

export function showSmsEnrollment(ctx: Context, deps: PageDeps, step: MfaStep): Promise<void> {
  return showSmsEnrollPage(ctx, deps, placeOf(deps, step));
}

/** T1/S1 and P5 before any SMS enrollment step; false when a response was already given. */
async function enrollStepAllowed(ctx: Context, deps: SignInDeps, step: MfaStep): Promise<boolean> {
  if (!step.enrolls) {
    // Already enrolled (e.g. a form posted twice): back to the interaction.
    ctx.status = 303;
    ctx.redirect(`/interaction/${step.details.uid}`);
    return false;
  }
  return deps.ensureFresh(ctx, step, 'sms', true);
}

/** The enrollment steps: POST /interaction/:uid/mfa/enroll/sms/{send,resend,confirm}. */
export function smsEnrollRoutes(router: Router, deps: SignInDeps) {
  // The place first (404 where SMS is not offered), then the form (400), then T1 and P5.
  const route =
    <F>(read: (ctx: Context) => F, run: (ctx: Context, place: SmsEnrollPlace, form: F) => Promise<void>) =>
    async (ctx: Context) => {
      const step = await deps.load(ctx);
      const place = placeOf(deps, step);
      const form = read(ctx);
      if (await enrollStepAllowed(ctx, deps, step)) await run(ctx, place, form);
    };
  const phoneForm = (ctx: Context) =>
    readForm(ctx, { country: { maxLength: 8, optional: true }, phone: { maxLength: 128, optional: true } });
  const codeForm = (ctx: Context) => readForm(ctx, { code: { maxLength: 64 } });
  router.post(
    '/mfa/enroll/sms/send',
    route(phoneForm, (ctx, place, form) => sendEnrollmentCode(ctx, deps, place, form)),
  );
  router.post(
    '/mfa/enroll/sms/resend',
    route(
      (ctx) => readForm(ctx, {}),
      (ctx, place) => resendEnrollmentCode(ctx, deps, place),
    ),
  );
  router.post(
    '/mfa/enroll/sms/confirm',
    route(codeForm, (ctx, place, form) => confirmEnrollmentCode(ctx, deps, place, form.code)),
  );
}
