// Password-attempt limits (L1): failed attempts per account, and every attempt per client IP.
import type { Config } from '../config/index.ts';
import type { EphemeralStore, RateLimiter } from '../store/ports.ts';

export interface LoginLimits {
  perAccount: RateLimiter;
  perIp: RateLimiter;
}

export function createLoginLimits(eph: EphemeralStore, config: Config): LoginLimits {
  const { maxPerAccount, maxPerIp, windowSeconds } = config.login;
  return {
    perAccount: eph.rateLimiter({
      keyPrefix: 'login:account',
      points: maxPerAccount,
      durationSeconds: windowSeconds,
    }),
    perIp: eph.rateLimiter({ keyPrefix: 'login:ip', points: maxPerIp, durationSeconds: windowSeconds }),
  };
}
