// Limits on second-factor attempts (T4, S4; NIST 800-63B §5.2.2): at most N wrong codes per user
// and per IP in a window (then a clear lockout message), and after M consecutive failures the
// factor is locked until an owner, admin or operator resets it. Every lockout is audited (R3).
// V2: an attempt is counted before its code is checked (src/store/attempt.ts), so parallel guesses
// check at most N per window — which also bounds how far past M the consecutive count can go.
import { type AuditWho, audit } from '../audit.ts';
import { createSessionEnder, type SessionEnder } from '../core/sessions.ts';
import { beginAttempt } from '../store/attempt.ts';
import type { FactorDeps } from './factor.ts';

export type MfaAttempt =
  | { allowed: false; retryAfterSeconds: number }
  | {
      allowed: true;
      /** Wrong codes still allowed in this window, this attempt counted. */
      remaining: number;
      succeed(): Promise<void>;
      /** Nothing was checked (no usable method): the attempt is given back. */
      cancel(): Promise<void>;
      /** A wrong code: counts it against the factor's lockout; says whether this one locked it. */
      fail(factorId: string | undefined, who: AuditWho): Promise<{ remaining: number; locked: boolean }>;
    };

export function createAttemptGuard(deps: FactorDeps, sessions?: SessionEnder) {
  const { config, eph, sor } = deps;
  const window = config.mfa.failureWindowSeconds;
  // The MFA service passes its own ender, so the lockout notifies relying parties too (I4).
  const ender = sessions ?? createSessionEnder(sor, eph);
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

  /** M consecutive failures lock the factor: exactly one failure reaches M, so one audit (R3). */
  async function countFailure(userId: string, factorId: string, who: AuditWho): Promise<boolean> {
    const consecutive = await sor.incrementFailedAttempts(factorId);
    if (consecutive !== config.mfa.lockoutThreshold) return false;
    await sor.updateFactor(factorId, { lockedAt: new Date() });
    await audit(sor, who, 'factor.locked', { userId }, { factorId, consecutiveFailures: consecutive });
    // V3: a lockout ends every session and token of the user (an MFA session from before included).
    await ender.endEverything(userId);
    // U6: the user is mailed by the notifier, told of the audit event once it is written.
    return true;
  }

  return {
    /** Counts one code attempt of this user from this address, before the code is checked (V2). */
    async begin(userId: string, ip: string): Promise<MfaAttempt> {
      const attempt = await beginAttempt([
        { limiter: perUser, key: userId, counts: 'failures-in-a-row' },
        { limiter: perIp, key: ip, counts: 'failures' },
      ]);
      if (!attempt.allowed) return attempt;
      const { remaining } = attempt;
      return {
        allowed: true,
        remaining,
        succeed: attempt.succeed,
        cancel: attempt.cancel,
        async fail(factorId, who) {
          const locked = factorId ? await countFailure(userId, factorId, who) : false;
          if (remaining === 0) {
            await audit(sor, who, 'mfa.rate_limited', { userId }, { retryAfterSeconds: window });
          }
          return { remaining, locked };
        },
      };
    },
    /** Forgets the user's wrong codes of this window (an MFA reset, src/cli/mfa.ts). */
    async succeed(userId: string): Promise<void> {
      await perUser.reset(userId);
    },
  };
}

export type AttemptGuard = ReturnType<typeof createAttemptGuard>;
