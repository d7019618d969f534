// Adding a phone (S1–S3), the same inside the sign-in (./enroll.ts) and on the settings page
// (./settings-add.ts): the country and number, "Send code", the code texted to it with "Resend
// code" after the wait, and the code that makes SMS a method. What differs is the place: its flow
// (src/core/flow.ts) and the addresses of its pages.
import type { Context } from 'koa';
import { isSupportedCountry } from 'libphonenumber-js/max';
import type { Flow } from '../../../core/flow.ts';
import { confirmEnrollment } from '../../../core/flow-steps.ts';
import { renderPage } from '../../../http/render.ts';
import type { PageDeps } from '../../pages.ts';
import { rateLimitedMessage } from '../../refusal.ts';
import type { SmsSendOutcome } from '../factor.ts';
import { countryName, maskPhone } from '../phone.ts';
import {
  countryOptions,
  defaultCountry,
  describeSend,
  localeOf,
  phoneHint,
  type SmsParts,
  tOf,
} from './common.ts';

/** Where an SMS enrollment runs. */
export interface SmsEnrollPlace {
  flow: Flow;
  parts: SmsParts;
  /** P5: the sign-in cannot go on without a method. */
  required: boolean;
  /** The page itself (GET). */
  page: string;
  /** Where its forms post: `${actions}/send`, `/resend`, `/confirm`. */
  actions: string;
  /** The authenticator app's enrollment instead. */
  appHref: string;
  /** Where to go once SMS is a method (a form posted twice). */
  enrolledHref: string;
}

export interface SmsEnrollOptions {
  stage?: 'phone' | 'code';
  error?: string | null;
  notice?: string | null;
  status?: number;
  phoneInput?: string;
  country?: string;
}

const withQuery = (href: string, query: string) => `${href}${href.includes('?') ? '&' : '?'}${query}`;

function redirect(ctx: Context, href: string): void {
  ctx.status = 303;
  ctx.redirect(href);
}

/** The number page, or the code page while a code is pending for this flow. */
export async function showSmsEnrollPage(
  ctx: Context,
  { services }: PageDeps,
  place: SmsEnrollPlace,
  opts: SmsEnrollOptions = {},
): Promise<void> {
  const t = tOf(ctx);
  const { flow } = place;
  const common = {
    title: t('enroll.sms.title'),
    required: place.required,
    error: opts.error ?? null,
    appHref: place.appHref,
    csrf: flow.csrf,
  };
  const fresh = opts.stage === 'phone' || (opts.stage !== 'code' && ctx.query.number === 'new');
  const pending = fresh ? undefined : await place.parts.enrollment.status(flow.user, flow.flowKey);
  if (pending) {
    let notice = opts.notice ?? null;
    if (!notice && pending.expired) notice = t('sms.expired');
    if (!notice && ctx.method === 'GET' && ctx.query.resent === '1')
      notice = t('sms.resent', { phone: maskPhone(pending.phone) });
    const view = {
      ...common,
      notice,
      phone: maskPhone(pending.phone),
      confirmAction: `${place.actions}/confirm`,
      resendAction: `${place.actions}/resend`,
      waitSeconds: pending.retryAfterSeconds,
      changeHref: withQuery(place.page, 'number=new'),
    };
    return renderPage(ctx, 'factors/sms/enroll-code', view, opts.status);
  }
  const locale = localeOf(ctx);
  const blocked = services.config.sms.blockedCountries;
  const chosen = opts.country && isSupportedCountry(opts.country) ? opts.country : undefined;
  const orgCountries = (await services.sor.listMembershipsOfUser(flow.user.id)).map(
    (m) => m.org.smsDefaultCountry,
  );
  const country = chosen ?? defaultCountry(ctx, blocked, orgCountries);
  const view = {
    ...common,
    sendAction: `${place.actions}/send`,
    countries: countryOptions(locale, blocked),
    country,
    phoneHint: phoneHint(ctx, country),
    phone: opts.phoneInput ?? '',
    blockedNames: blocked.map((c) => countryName(c, locale)).join(locale === 'ja' ? '、' : ', '),
  };
  return renderPage(ctx, 'factors/sms/enroll', view, opts.status);
}

function afterSend(
  ctx: Context,
  deps: PageDeps,
  place: SmsEnrollPlace,
  outcome: SmsSendOutcome,
  stage: 'phone' | 'code',
  given: { phoneInput?: string; country?: string } = {},
) {
  if (outcome.ok) return redirect(ctx, stage === 'code' ? withQuery(place.page, 'resent=1') : place.page);
  const view: { error?: string; notice?: string; status?: number } = {};
  describeSend(ctx, view, outcome, true);
  const blocked = outcome.error === 'blocked';
  return showSmsEnrollPage(ctx, deps, place, {
    // S2: a number in a blocked country is bad input at enrollment (a stored one is refused: 403).
    stage: blocked ? 'phone' : stage,
    error: view.error,
    status: blocked ? 400 : view.status,
    ...given,
  });
}

/** "Send code": the number checked (S2) and a code texted to it (S1). */
export async function sendEnrollmentCode(
  ctx: Context,
  deps: PageDeps,
  place: SmsEnrollPlace,
  form: { phone: string; country: string },
) {
  const { flow } = place;
  const country = form.country.toUpperCase();
  const given = { phoneInput: form.phone, country };
  const request = { ip: ctx.ip, locale: localeOf(ctx) };
  const supported = isSupportedCountry(country) ? country : undefined;
  const result = await place.parts.enrollment.start(flow.user, flow.flowKey, form.phone, supported, request);
  if (!result.ok && result.error === 'invalid') {
    const error = tOf(ctx)('enroll.sms.invalid');
    return showSmsEnrollPage(ctx, deps, place, { stage: 'phone', status: 400, error, ...given });
  }
  if (!result.ok && result.error === 'already_enrolled') return redirect(ctx, place.enrolledHref);
  return afterSend(ctx, deps, place, result as SmsSendOutcome, 'phone', given);
}

/** "Resend code", after the wait (S3). */
export async function resendEnrollmentCode(ctx: Context, deps: PageDeps, place: SmsEnrollPlace) {
  const { flow } = place;
  const request = { ip: ctx.ip, locale: localeOf(ctx) };
  const outcome = await place.parts.enrollment.resend(flow.user, flow.flowKey, request);
  if (!outcome) return redirect(ctx, place.page);
  return afterSend(ctx, deps, place, outcome, 'code');
}

/** The code texted to the number: SMS becomes a method, and this flow has its second factor (L4). */
export async function confirmEnrollmentCode(
  ctx: Context,
  deps: PageDeps,
  place: SmsEnrollPlace,
  code: string,
) {
  const t = tOf(ctx);
  const { flow } = place;
  const outcome = await confirmEnrollment(ctx, deps, flow, {
    confirm: (who) => place.parts.enrollment.confirm(flow.user, flow.flowKey, code.normalize('NFKC'), who),
    amr: ['sms'],
    // L3: a wrong or expired code counts like every other code.
    counts: (reason) => reason !== 'already_enrolled',
  });
  if (outcome.ok) return redirect(ctx, outcome.next ?? place.enrolledHref);
  if (outcome.reason === 'already_enrolled') return redirect(ctx, place.enrolledHref);
  if (outcome.reason === 'rate_limited') {
    const error = rateLimitedMessage(t, outcome.retryAfterSeconds);
    return showSmsEnrollPage(ctx, deps, place, { stage: 'code', status: 429, error });
  }
  const incorrect = outcome.reason === 'incorrect';
  return showSmsEnrollPage(ctx, deps, place, {
    status: 400,
    error: incorrect ? t('mfa.incorrect') : t('sms.expired'),
    notice:
      incorrect && outcome.remaining !== undefined && outcome.remaining <= 5
        ? t('mfa.attempts_left', { count: outcome.remaining })
        : null,
  });
}
