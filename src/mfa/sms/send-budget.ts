// Send budgets for SMS codes (S4, SMS pumping fraud): every send spends one from the budgets of
// its phone, user, IP and destination country; an exhausted budget refuses the send and is an
// audit event.
import { createHash } from 'node:crypto';
import { audit } from '../../audit.ts';
import { beginAttempt } from '../../store/attempt.ts';
import type { RateLimiter } from '../../store/ports.ts';
import type { User } from '../../store/records.ts';
import type { FactorDeps } from '../factor.ts';
import type { SmsPurpose } from './challenge-store.ts';
import { type CountryCode, maskPhone } from './phone.ts';

export type LimitScope = 'phone' | 'user' | 'ip' | 'country';

export interface BudgetedSend {
  user: User;
  purpose: SmsPurpose;
  /** E.164. */
  phone: string;
  /** The client's address (omitted: no per-IP budget applies). */
  ip?: string;
}

/** Limiter key for a phone number: hashed, so rate-limit keys do not list phone numbers. */
const phoneKey = (phone: string) => createHash('sha256').update(`sms-phone:${phone}`).digest('base64url');

export function createSendBudget(
  deps: Pick<FactorDeps, 'config' | 'eph' | 'sor' | 'metrics'>,
  log: FactorDeps['logger'],
) {
  const { config, eph, sor } = deps;
  const settings = config.sms;
  const window = settings.limits.windowSeconds;
  const limiter = (scope: LimitScope, points: number): RateLimiter =>
    eph.rateLimiter({ keyPrefix: `sms:send:${scope}`, points, durationSeconds: window });
  const limiters: Array<{ scope: LimitScope; limiter: RateLimiter }> = [
    { scope: 'phone', limiter: limiter('phone', settings.limits.perPhone) },
    { scope: 'user', limiter: limiter('user', settings.limits.perUser) },
    { scope: 'ip', limiter: limiter('ip', settings.limits.perIp) },
    { scope: 'country', limiter: limiter('country', settings.limits.perCountry) },
  ];

  /** Spends one send from every budget; refuses (and audits) when one is exhausted (S4). */
  async function spendBudget(input: BudgetedSend, country: CountryCode) {
    const keys: Record<LimitScope, string | undefined> = {
      phone: phoneKey(input.phone),
      user: input.user.id,
      ip: input.ip,
      country,
    };
    // V2: spent before the message goes out; a refused send spends nothing (src/store/attempt.ts).
    const attempt = await beginAttempt(
      limiters.map((l) => ({ limiter: l.limiter, key: keys[l.scope], counts: 'checks' as const })),
    );
    if (attempt.allowed) return undefined;
    const scope = limiters[attempt.refusedBy].scope;
    const retryAfterSeconds = attempt.retryAfterSeconds;
    deps.metrics?.smsSends.inc({ country, result: 'rate_limited' }); // Z5: pumping shows per country
    log.warn(
      { sms: { to: maskPhone(input.phone), scope, country, purpose: input.purpose } },
      'sms send refused: budget exhausted',
    );
    await audit(
      sor,
      { actorUserId: input.user.id, ip: input.ip ?? null },
      'sms.rate_limited',
      { userId: input.user.id },
      { scope, country, phone: maskPhone(input.phone), purpose: input.purpose, retryAfterSeconds },
    );
    return { scope, retryAfterSeconds };
  }

  return spendBudget;
}
