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
import type { Locale } from '../../i18n/index.ts';
import type { MfaService } from '../../mfa/service.ts';
import { createSmsEnrollment, type SmsEnrollment } from '../../mfa/sms/enroll.ts';
import { isSmsFactor, type SmsFactor, type SmsSendOutcome } from '../../mfa/sms/factor.ts';
import { countryName, maskPhone } from '../../mfa/sms/phone.ts';
import type { Services } from '../../services.ts';

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

/** The country the number field starts with: the region of Accept-Language, else Japan for ja. */
export function defaultCountry(ctx: Context, blocked: readonly CountryCode[]): CountryCode | '' {
  const first = (ctx.get('accept-language').split(',')[0] ?? '').trim().split(';')[0];
  const region = first.split('-')[1]?.toUpperCase();
  const guess = region && isSupportedCountry(region) ? region : localeOf(ctx) === 'ja' ? 'JP' : '';
  return guess && !blocked.includes(guess as CountryCode) ? (guess as CountryCode) : '';
}
