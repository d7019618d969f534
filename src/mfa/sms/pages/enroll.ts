// SMS enrollment inside the sign-in (P5, S1–S3): country and number → "Send code" → the code,
// with "Resend code" after the wait, and the "Set up text messages (SMS)" choice next to the app.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { isSupportedCountry } from 'libphonenumber-js/max';
import type Provider from 'oidc-provider';
import { HttpError } from '../../../http/errors.ts';
import { readForm } from '../../../http/form.ts';
import { renderPage } from '../../../http/render.ts';
import { accepts, completeMfa, type MfaStep } from '../../../interactions/mfa/context.ts';
import { enrollmentViews, ssoReauth } from '../../../interactions/mfa/enroll-steps.ts';
import { ACR_MFA } from '../../../oidc/acr.ts';
import type { Services } from '../../../services.ts';
import type { PageDeps, SignInDeps } from '../../pages.ts';
import type { MfaService } from '../../service.ts';
import type { SmsSendOutcome } from '../factor.ts';
import { countryName, maskPhone } from '../phone.ts';
import {
  countryOptions,
  defaultCountry,
  describeSend,
  localeOf,
  minutes,
  phoneHint,
  smsParts,
  tOf,
} from './common.ts';

const interactionPath = (step: MfaStep) => `/interaction/${step.details.uid}`;

/** "Set up text messages (SMS)" next to the authenticator app during enrollment. */
export function enrollLink(ctx: Context, { services, mfa }: PageDeps, step: MfaStep) {
  if (!smsParts(services, mfa) || !accepts(step, 'sms')) return undefined; // G3
  return { href: `/interaction/${step.details.uid}?enroll=sms`, label: tOf(ctx)('enroll.sms.choose') };
}

export interface SmsEnrollOptions {
  stage?: 'phone' | 'code';
  error?: string | null;
  notice?: string | null;
  status?: number;
  phoneInput?: string;
  country?: string;
}

export async function showSmsEnrollment(
  ctx: Context,
  services: Services,
  mfa: MfaService,
  step: MfaStep,
  opts: SmsEnrollOptions = {},
): Promise<void> {
  const parts = smsParts(services, mfa);
  if (!parts || !accepts(step, 'sms')) throw new HttpError(404, 'error.not_found'); // G3
  const t = tOf(ctx);
  const base = `${interactionPath(step)}/mfa`;
  const common = {
    title: t('enroll.sms.title'),
    required: step.enrolls,
    error: opts.error ?? null,
    appHref: interactionPath(step),
  };
  const pending =
    opts.stage === 'phone' || (opts.stage !== 'code' && ctx.query.number === 'new')
      ? undefined
      : await parts.enrollment.status(step.state.user, step.details.uid);
  if (pending) {
    let notice = opts.notice ?? null;
    if (!notice && pending.expired) notice = t('sms.expired');
    if (!notice && ctx.method === 'GET' && ctx.query.resent === '1')
      notice = t('sms.resent', { phone: maskPhone(pending.phone) });
    return renderPage(
      ctx,
      'enroll-sms-code',
      {
        ...common,
        notice,
        phone: maskPhone(pending.phone),
        confirmAction: `${base}/enroll/sms/confirm`,
        resendAction: `${base}/enroll/sms/resend`,
        waitSeconds: pending.retryAfterSeconds,
        changeHref: `${interactionPath(step)}?enroll=sms&number=new`,
      },
      opts.status,
    );
  }
  const locale = localeOf(ctx);
  const blocked = services.config.sms.blockedCountries;
  const chosen = opts.country && isSupportedCountry(opts.country) ? opts.country : undefined;
  const country = chosen ?? defaultCountry(ctx, blocked);
  return renderPage(
    ctx,
    'enroll-sms',
    {
      ...common,
      sendAction: `${base}/enroll/sms/send`,
      countries: countryOptions(locale, blocked),
      country,
      phoneHint: phoneHint(ctx, country),
      phone: opts.phoneInput ?? '',
      blockedNames: blocked.map((c) => countryName(c, locale)).join(locale === 'ja' ? '、' : ', '),
    },
    opts.status,
  );
}

/** T1/S1 and P5 before any SMS enrollment step; false when a response was already given. */
async function enrollStepAllowed(ctx: Context, services: Services, mfa: MfaService, step: MfaStep) {
  if (!step.enrolls) {
    // Already enrolled (e.g. a form posted twice): back to the interaction.
    ctx.status = 303;
    ctx.redirect(interactionPath(step));
    return false;
  }
  if (!(await mfa.reauth.isFresh(step.details.uid, step.state.user.id, step.passwordAt))) {
    if (await ssoReauth(ctx, services, mfa, step)) return false;
    await enrollmentViews(ctx, services, mfa).reauth(
      `${interactionPath(step)}/mfa/reauth?enroll=sms`,
      step.state.user.email,
      { expired: true },
    );
    return false;
  }
  return true;
}

function afterSend(
  ctx: Context,
  services: Services,
  mfa: MfaService,
  step: MfaStep,
  outcome: SmsSendOutcome,
  stage: 'phone' | 'code',
  form: { phoneInput?: string; country?: string } = {},
) {
  if (outcome.ok) {
    ctx.status = 303;
    ctx.redirect(`${interactionPath(step)}?enroll=sms${stage === 'code' ? '&resent=1' : ''}`);
    return;
  }
  const view: { error?: string; notice?: string; status?: number } = {};
  describeSend(ctx, view, outcome, true);
  const blocked = outcome.error === 'blocked';
  return showSmsEnrollment(ctx, services, mfa, step, {
    // S2: a number in a blocked country is bad input at enrollment (a stored one is refused: 403).
    stage: blocked ? 'phone' : stage,
    error: view.error,
    status: blocked ? 400 : view.status,
    ...form,
  });
}

async function sendEnrollmentCode(ctx: Context, services: Services, mfa: MfaService, step: MfaStep) {
  const parts = smsParts(services, mfa);
  if (!parts || !accepts(step, 'sms')) throw new HttpError(404, 'error.not_found'); // G3
  const t = tOf(ctx);
  const form = readForm(ctx, {
    country: { maxLength: 8, optional: true },
    phone: { maxLength: 128, optional: true },
  });
  if (!(await enrollStepAllowed(ctx, services, mfa, step))) return;
  const country = form.country.toUpperCase();
  const given = { phoneInput: form.phone, country };
  const result = await parts.enrollment.start(
    step.state.user,
    step.details.uid,
    form.phone,
    isSupportedCountry(country) ? country : undefined,
    { ip: ctx.ip, locale: localeOf(ctx) },
  );
  if (!result.ok && result.error === 'invalid') {
    return showSmsEnrollment(ctx, services, mfa, step, {
      stage: 'phone',
      status: 400,
      error: t('enroll.sms.invalid'),
      ...given,
    });
  }
  if (!result.ok && result.error === 'already_enrolled') {
    ctx.status = 303;
    ctx.redirect(interactionPath(step));
    return;
  }
  return afterSend(ctx, services, mfa, step, result as SmsSendOutcome, 'phone', given);
}

async function resendEnrollmentCode(ctx: Context, services: Services, mfa: MfaService, step: MfaStep) {
  const parts = smsParts(services, mfa);
  if (!parts || !accepts(step, 'sms')) throw new HttpError(404, 'error.not_found'); // G3
  readForm(ctx, {});
  if (!(await enrollStepAllowed(ctx, services, mfa, step))) return;
  const outcome = await parts.enrollment.resend(step.state.user, step.details.uid, {
    ip: ctx.ip,
    locale: localeOf(ctx),
  });
  if (!outcome) {
    ctx.status = 303;
    ctx.redirect(`${interactionPath(step)}?enroll=sms`);
    return;
  }
  return afterSend(ctx, services, mfa, step, outcome, 'code');
}

async function confirmEnrollmentCode(
  ctx: Context,
  provider: Provider,
  services: Services,
  mfa: MfaService,
  step: MfaStep,
) {
  const parts = smsParts(services, mfa);
  if (!parts || !accepts(step, 'sms')) throw new HttpError(404, 'error.not_found'); // G3
  const t = tOf(ctx);
  const { code } = readForm(ctx, { code: { maxLength: 64 } });
  if (!(await enrollStepAllowed(ctx, services, mfa, step))) return;
  const { user } = step.state;
  const who = { actorUserId: user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') };
  const attempt = await mfa.guard.begin(user.id, ctx.ip); // V2: counted before the code is checked
  if (!attempt.allowed) {
    ctx.set('retry-after', String(attempt.retryAfterSeconds));
    return showSmsEnrollment(ctx, services, mfa, step, {
      stage: 'code',
      status: 429,
      error: t('mfa.rate_limited', { minutes: minutes(attempt.retryAfterSeconds) }),
    });
  }
  const result = await parts.enrollment.confirm(user, step.details.uid, code.normalize('NFKC'), who);
  if (!result.ok) {
    if (result.reason === 'already_enrolled') {
      await attempt.cancel();
      ctx.status = 303;
      ctx.redirect(interactionPath(step));
      return;
    }
    // L3, with the same attempt limits as every other code.
    const after = await attempt.fail(undefined, who);
    return showSmsEnrollment(ctx, services, mfa, step, {
      status: 400,
      error: result.reason === 'incorrect' ? t('mfa.incorrect') : t('sms.expired'),
      notice:
        result.reason === 'incorrect' && after.remaining <= 5
          ? t('mfa.attempts_left', { count: after.remaining })
          : null,
    });
  }
  await attempt.succeed();
  await mfa.reauth.clear(step.details.uid);
  // The person just proved the phone receives codes: this sign-in has its second factor (L4).
  const redirectTo = await completeMfa(ctx, provider, step, ['sms'], ACR_MFA);
  ctx.status = 303;
  ctx.redirect(redirectTo);
}

/** The enrollment steps: POST /interaction/:uid/mfa/enroll/sms/{send,resend,confirm}. */
export function smsEnrollRoutes(router: Router, deps: SignInDeps) {
  const { provider, services, mfa, load } = deps;
  router.post('/mfa/enroll/sms/send', async (ctx) => sendEnrollmentCode(ctx, services, mfa, await load(ctx)));
  router.post('/mfa/enroll/sms/resend', async (ctx) =>
    resendEnrollmentCode(ctx, services, mfa, await load(ctx)),
  );
  router.post('/mfa/enroll/sms/confirm', async (ctx) =>
    confirmEnrollmentCode(ctx, provider, services, mfa, await load(ctx)),
  );
}
