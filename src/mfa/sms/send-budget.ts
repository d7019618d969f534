// Send budgets for SMS codes (S4, SMS pumping fraud): every send spends one from the budgets of
// its phone, user, IP and destination country; an exhausted budget refuses the send and is an
// audit event.
import { createHash } from 'node:crypto';
import { audit } from '../../audit.ts';
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
  deps: Pick<FactorDeps, 'config' | 'eph' | 'sor'>,
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
    const active = limiters.filter((l) => keys[l.scope] !== undefined);
    const peeked = await Promise.all(active.map((l) => l.limiter.peek(keys[l.scope]!)));
    let hit = active.findIndex((_, i) => !peeked[i].allowed);
    let retryAfterSeconds = Math.max(0, ...peeked.map((p) => (p.allowed ? 0 : p.retryAfterSeconds)));
    if (hit === -1) {
      const spent = await Promise.all(active.map((l) => l.limiter.consume(keys[l.scope]!)));
      hit = active.findIndex((_, i) => !spent[i].allowed);
      retryAfterSeconds = Math.max(0, ...spent.map((s) => (s.allowed ? 0 : s.retryAfterSeconds)));
    }
    if (hit === -1) return undefined;
    const scope = active[hit].scope;
    retryAfterSeconds = Math.max(1, retryAfterSeconds);
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
