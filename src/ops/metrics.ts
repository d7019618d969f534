// Fleet metrics (Z5): what an operator of many instances watches. Every label has a small, fixed
// set of values (no user ids, no IPs, no interaction ids): methods, results, store operations,
// limiter names and ISO country codes. The names are listed in the README's Operations section and
// used by deploy/grafana/deadbolt.json and deploy/prometheus/alerts.yml.
import { Counter, Histogram, type Registry } from 'prom-client';

export type SignInMethod = 'password' | 'sso';
export type SignInResult = 'success' | 'wrong_password' | 'rate_limited' | 'refused' | 'upstream_error';
export type MfaResult =
  | 'ok'
  | 'incorrect'
  | 'replay'
  | 'drift'
  | 'expired'
  | 'rate_limited'
  | 'locked'
  | 'not_enrolled';
export type SmsResult = 'sent' | 'rejected' | 'unavailable' | 'timeout' | 'rate_limited';
export type StoreName = 'database' | 'redis';

export function createFleetMetrics(registry: Registry) {
  const registers = [registry];
  return {
    signIns: new Counter({
      name: 'deadbolt_sign_ins_total',
      help: 'First-factor sign-ins by method (password, sso) and result',
      labelNames: ['method', 'result'] as const,
      registers,
    }),
    mfaVerifications: new Counter({
      name: 'deadbolt_mfa_verifications_total',
      help: 'Second-factor code checks by method (totp, sms, backup_code) and result',
      labelNames: ['method', 'result'] as const,
      registers,
    }),
    lockouts: new Counter({
      name: 'deadbolt_mfa_lockouts_total',
      help: 'Factors locked after MFA_LOCKOUT_THRESHOLD consecutive wrong codes, by method',
      labelNames: ['method'] as const,
      registers,
    }),
    smsSends: new Counter({
      name: 'deadbolt_sms_sends_total',
      help: 'SMS code sends by destination country (ISO 3166-1) and result',
      labelNames: ['country', 'result'] as const,
      registers,
    }),
    rateLimitRefusals: new Counter({
      name: 'deadbolt_rate_limit_refusals_total',
      help: 'Attempts refused by a rate limiter, by limiter (e.g. login:ip, mfa:user, sms:send:country)',
      labelNames: ['limiter'] as const,
      registers,
    }),
    storeDuration: new Histogram({
      name: 'deadbolt_store_call_duration_seconds',
      help: 'Latency of store calls at the port boundary, by store (database, redis) and operation',
      labelNames: ['store', 'operation'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    storeErrors: new Counter({
      name: 'deadbolt_store_errors_total',
      help: 'Failed store calls by store, operation and error (unavailable: unreachable or timed out)',
      labelNames: ['store', 'operation', 'error'] as const,
      registers,
    }),
  };
}

export type FleetMetrics = ReturnType<typeof createFleetMetrics>;
