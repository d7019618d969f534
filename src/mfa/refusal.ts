// What a page says when a code is refused (X6): what happened (a used backup code, a reused time
// step, a clock that is off, or a wrong code), and from the third wrong try on how many are left
// before the temporary lockout. The sign-in prompt and the settings pages say it the same way.
import type { Translate } from '../i18n/index.ts';
import type { FactorType } from '../store/records.ts';
import { moduleOf } from './registry.ts';
import type { MfaVerifyOutcome } from './service.ts';

/** Attempts left are shown from this wrong try on (issue 16 item 2). */
export const WARN_FROM_FAILURE = 3;

type Refused = Extract<MfaVerifyOutcome, { ok: false }>;

/** The refusal for too many attempts (V2), in whole minutes. */
export function rateLimitedMessage(t: Translate, retryAfterSeconds: number): string {
  return t('mfa.rate_limited', { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) });
}

/** The error line for a refused code of `method`. */
export function refusalError(t: Translate, method: FactorType, outcome: Refused): string {
  if (outcome.error === 'rate_limited') return rateLimitedMessage(t, outcome.retryAfterSeconds ?? 60);
  if (outcome.error === 'locked') return t('mfa.locked');
  // What the factor says of a used code or an off clock (FactorModule.refusalKeys).
  const keys = moduleOf(method).refusalKeys;
  const key = outcome.reason === 'replay' || outcome.reason === 'drift' ? keys?.[outcome.reason] : undefined;
  return t((key ?? 'mfa.incorrect') as Parameters<Translate>[0]);
}

/** X6: "N attempts left" once the user has made WARN_FROM_FAILURE wrong tries in the window. */
export function attemptsLeftNotice(t: Translate, outcome: Refused, maxPerWindow: number): string | null {
  if (outcome.error !== 'incorrect' || outcome.remaining === undefined) return null;
  const failures = maxPerWindow - outcome.remaining;
  return failures >= WARN_FROM_FAILURE ? t('mfa.attempts_left', { count: outcome.remaining }) : null;
}

/** The settings pages' one line: the error and, from the third wrong try, the attempts left. */
export function refusalMessage(
  t: Translate,
  method: FactorType,
  outcome: Refused,
  maxPerWindow: number,
): string {
  return [refusalError(t, method, outcome), attemptsLeftNotice(t, outcome, maxPerWindow)]
    .filter(Boolean)
    .join(' ');
}
