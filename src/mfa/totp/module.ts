// The authenticator app (T1–T4) as the registry sees it.
import type { FactorModule } from '../module.ts';

export const totpModule: FactorModule = {
  type: 'totp',
  nameKey: 'factor.totp',
  strength: 30,
  amr: ['otp'],
  refusalKeys: { replay: 'mfa.totp_reused', drift: 'mfa.clock_drift' },
};
