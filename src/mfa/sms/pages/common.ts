// Pieces every SMS page shares, at sign-in and on the settings pages: the SMS factor and its
// enrollment as registered in the MFA service, the messages for a send's outcome, and the country
// chooser.
import type { Context } from 'koa';
import {
  type CountryCode,
  getCountries,
  getCountryCallingCode,
  isSupportedCountry,
} from 'libphonenumber-js/max';
import type { Locale } from '../../../i18n/index.ts';
import type { Services } from '../../../services.ts';
import type { User } from '../../../store/records.ts';
import type { MfaService } from '../../service.ts';
import { createSmsEnrollment, type SmsEnrollment } from '../enroll.ts';
import { isSmsFactor, type SmsFactor, type SmsSendOutcome } from '../factor.ts';
import { countryName, examplePhone, maskPhone } from '../phone.ts';

export const tOf = (ctx: Context) => ctx.state.t;
export const localeOf = (ctx: Context): Locale => (ctx.state.locale === 'ja' ? 'ja' : 'en');
export const minutes = (seconds: number) => Math.max(1, Math.ceil(seconds / 60));

export interface SmsParts {
  factor: SmsFactor;
  enrollment: SmsEnrollment;
}

const partsOf = new WeakMap<MfaService, SmsParts | null>();

/** The SMS factor registered in this MFA service (and its enrollment), if any. */
export function smsParts(services: Services, mfa: MfaService): SmsParts | undefined {
  let parts = partsOf.get(mfa);
  if (parts === undefined) {
    const factor = mfa.factors.get('sms');
    parts = isSmsFactor(factor) ? { factor, enrollment: createSmsEnrollment(services, factor) } : null;
    partsOf.set(mfa, parts);
  }
  return parts ?? undefined;
}

/**
 * Texts a sign-in code for this flow (S3), on the challenge page and on the pages that ask a second
 * factor outside sign-in: 'open' sends unless the flow has a code, 'resend' is the person asking.
 */
export function sendSigninCode(
  ctx: Context,
  factor: SmsFactor,
  to: { user: User; flowKey: string; phone: string },
  mode: 'open' | 'resend',
): Promise<SmsSendOutcome> {
  return factor.send({
    ...to,
    purpose: 'signin',
    resend: mode === 'resend',
    ip: ctx.ip,
    locale: localeOf(ctx),
  });
}

/** Error, notice and status for the outcome of a send, on any SMS page. */
export function describeSend(
  ctx: Context,
  view: { error?: string; notice?: string; status?: number },
  outcome: SmsSendOutcome,
  asked: boolean,
): void {
  const t = tOf(ctx);
  if (outcome.ok) {
    if (outcome.sent && asked) view.notice = t('sms.resent', { phone: maskPhone(outcome.phone) });
    return;
  }
  switch (outcome.error) {
    case 'too_soon':
      // A page that merely opened while a send was under way says nothing; a click is told to wait.
      if (asked) {
        view.error = t('sms.too_soon', { seconds: outcome.retryAfterSeconds });
        view.status = 429;
        ctx.set('retry-after', String(outcome.retryAfterSeconds));
      }
      return;
    case 'rate_limited':
      view.error = t('sms.rate_limited', { minutes: minutes(outcome.retryAfterSeconds) });
      view.status = 429;
      ctx.set('retry-after', String(outcome.retryAfterSeconds));
      return;
    case 'blocked':
      view.error = t('sms.blocked', { country: countryName(outcome.country, localeOf(ctx)) });
      view.status = 403;
      return;
    case 'send_failed':
      view.error = t('sms.send_failed');
      view.status = 503;
      return;
  }
}

const countryLists = new Map<string, Array<{ code: CountryCode; name: string; callingCode: string }>>();

export function countryOptions(locale: Locale, blocked: readonly CountryCode[]) {
  const id = `${locale}|${blocked.join(',')}`;
  let list = countryLists.get(id);
  if (!list) {
    const collator = new Intl.Collator(locale);
    list = getCountries()
      .filter((code) => !blocked.includes(code))
      .map((code) => ({ code, name: countryName(code, locale), callingCode: getCountryCallingCode(code) }))
      .sort((a, b) => collator.compare(a.name, b.name));
    countryLists.set(id, list);
  }
  return list;
}

/** The language tags of Accept-Language, most preferred first (at most 20). */
function rankedTags(acceptLanguage: string): string[] {
  return acceptLanguage
    .split(',')
    .slice(0, 20)
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { tag: tag.trim(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .filter((x) => x.tag && x.tag !== '*' && x.q > 0)
    .sort((a, b) => b.q - a.q)
    .map((x) => x.tag);
}

/** The region a language tag implies: its own (`en-GB` → GB) or the likeliest (`en` → US, `ja` → JP). */
function regionOf(tag: string): string | undefined {
  try {
    return new Intl.Locale(tag).maximize().region;
  } catch {
    return undefined; // not a well-formed tag
  }
}

/**
 * The country the number field starts with (issue 16 item 5): the first of the user's
 * organizations' default countries (an owner's setting) that SMS codes can be sent to, else the
 * first Accept-Language tag whose region (given or likeliest) they can, else the page language's
 * (en → US, ja → JP).
 */
export function defaultCountry(
  ctx: Context,
  blocked: readonly CountryCode[],
  orgCountries: readonly (string | null | undefined)[] = [],
): CountryCode | '' {
  const usable = (c: string | null | undefined): c is CountryCode =>
    Boolean(c) && isSupportedCountry(c as string) && !blocked.includes(c as CountryCode);
  const fromOrg = orgCountries.find(usable);
  if (fromOrg) return fromOrg;
  for (const tag of [...rankedTags(ctx.get('accept-language')), localeOf(ctx)]) {
    const region = regionOf(tag);
    if (usable(region)) return region;
  }
  return '';
}

/** The hint under the number field, with an example number of the chosen country (item 5). */
export function phoneHint(ctx: Context, country: CountryCode | ''): string {
  const key = country ? 'enroll.sms.phone_hint' : 'enroll.sms.phone_hint_international';
  return tOf(ctx)(key, { example: examplePhone(country) });
}
