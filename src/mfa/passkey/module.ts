// Passkeys (W1–W7) as the registry sees it: the strongest method, phishing resistant (W5). A
// verification adds `user` (user verification is required) and `hwk` or `swk` (see ./amr.ts).
import type { FactorModule } from '../module.ts';

export const passkeyModule: FactorModule = {
  type: 'passkey',
  nameKey: 'factor.passkey',
  strength: 40,
  amr: ['user'],
  phishingResistant: true,
};
