// SMS codes (S1–S6) as the registry sees it.
import type { FactorModule } from '../module.ts';
import { maskPhone } from './phone.ts';

export const smsModule = {
  type: 'sms',
  nameKey: 'factor.sms',
  strength: 20,
  amr: ['sms'],
  describe: (r) => (typeof r.data.phone === 'string' ? { phone: maskPhone(r.data.phone) } : {}),
} as const satisfies FactorModule;
