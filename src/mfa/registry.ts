// The factor registry (issue 10): one line a factor. Adding a factor adds its folder and a line here.

import type { FactorType } from '../store/records.ts';
import { backupCodesModule } from './backup-codes/module.ts';
import type { FactorModule } from './module.ts';
import { passkeyModule } from './passkey/module.ts';
import { smsModule } from './sms/module.ts';
import { totpModule } from './totp/module.ts';

export const FACTOR_MODULES: readonly FactorModule[] = [
  passkeyModule,
  totpModule,
  smsModule,
  backupCodesModule,
];

const byType = new Map<string, FactorModule>(FACTOR_MODULES.map((m) => [m.type, m]));

export function moduleOf(type: FactorType): FactorModule {
  const m = byType.get(type);
  if (!m) throw new Error(`no factor module for ${type}`);
  return m;
}

export function isFactorType(value: unknown): value is FactorType {
  return typeof value === 'string' && byType.has(value);
}

/** A method of its own (not a companion such as backup codes): what M3 counts. */
export const isMethod = (type: FactorType): boolean => moduleOf(type).companionOf === undefined;

/** W5: does a verification with it meet a request for a phishing-resistant method (acr phr)? */
export const isPhishingResistant = (type: FactorType): boolean => moduleOf(type).phishingResistant === true;

/** Strongest first (L2). */
export const byStrength = (a: FactorType, b: FactorType): number =>
  moduleOf(b).strength - moduleOf(a).strength;
