// SMS codes (S1–S6) as the registry sees it.
import type { FactorModule } from '../module.ts';

export const smsModule = {
  type: 'sms',
  nameKey: 'factor.sms',
  strength: 20,
  amr: ['sms'],
} as const satisfies FactorModule;
