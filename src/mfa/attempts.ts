// Limits on second-factor attempts (T4, S4; NIST 800-63B §5.2.2): at most N wrong codes per user
// and per IP in a window (then a clear lockout message), and after M consecutive failures the
// factor is locked until an owner, admin or operator resets it. Every lockout is audited.
import { type AuditWho, audit } from '../audit.ts';
import type { RateLimitResult } from '../store/ports.ts';
import type { FactorDeps } from './factor.ts';

export interface AttemptState {
  allowed: boolean;
  retryAfterSeconds: number;
  remaining: number;
  /** Wrong codes of this user in the current window (0: nothing to forget on success). */
  userFailures: number;
}

export function createAttemptGuard(deps: FactorDeps) {
  const { config, eph, sor } = deps;
  const window = config.mfa.failureWindowSeconds;
  const perUser = eph.rateLimiter({
    keyPrefix: 'mfa:user',
    points: config.mfa.maxFailuresPerWindow,
    durationSeconds: window,
  });
  const perIp = eph.rateLimiter({
    keyPrefix: 'mfa:ip',
    points: config.mfa.maxFailuresPerIp,
    durationSeconds: window,
  });
  const combine = (a: RateLimitResult, b: RateLimitResult): AttemptState => ({
    allowed: a.allowed && b.allowed,
    retryAfterSeconds: Math.max(a.retryAfterSeconds, b.retryAfterSeconds),
    remaining: Math.min(a.remaining, b.remaining),
    userFailures: Math.max(0, config.mfa.maxFailuresPerWindow - a.remaining),
  });
  return {
    async check(userId: string, ip: string): Promise<AttemptState> {
      const [u, i] = await Promise.all([perUser.peek(userId), perIp.peek(ip)]);
      return combine(u, i);
    },
    /** Records a wrong code; returns what is left and whether this failure locked the factor. */
    async fail(userId: string, ip: string, factorId: string | undefined, who: AuditWho) {
      const [u, i] = await Promise.all([perUser.consume(userId), perIp.consume(ip)]);
      const state = combine(u, i);
      let locked = false;
      if (factorId) {
        const consecutive = await sor.incrementFailedAttempts(factorId);
        if (consecutive >= config.mfa.lockoutThreshold) {
          await sor.updateFactor(factorId, { lockedAt: new Date() });
          await audit(sor, who, 'factor.locked', { userId }, { factorId, consecutiveFailures: consecutive });
          locked = true;
        }
      }
      if (!state.allowed || state.remaining === 0) {
        await audit(sor, who, 'mfa.rate_limited', { userId }, { retryAfterSeconds: state.retryAfterSeconds });
      }
      return { ...state, locked };
    },
    async succeed(userId: string): Promise<void> {
      await perUser.reset(userId);
    },
  };
}

export type AttemptGuard = ReturnType<typeof createAttemptGuard>;
