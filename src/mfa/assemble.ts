// The MFA service with every factor, as the reference server and an embedding host both use it.
// SMS (S3–S5): the sender given in `services.sms`, else MessageBird in production, the outbox file
// or the log elsewhere.
import type { Services } from '../services.ts';
import { createSmsSender } from '../sms/index.ts';
import { meteredSender } from '../sms/metered.ts';
import { createPasskeyFactor } from './passkey/factor.ts';
import { createMfaService, type MfaService, type MfaServiceOptions } from './service.ts';
import { createSmsFactor } from './sms/factor.ts';

export function createMfa(
  services: Services,
  options: Omit<MfaServiceOptions, 'extraFactors'> = {},
): MfaService {
  const { config, logger } = services;
  const sender = meteredSender(services.sms ?? createSmsSender(config.sms, logger), services.metrics);
  // W1–W7: passkeys next to SMS.
  const extraFactors = [createSmsFactor(services, sender), createPasskeyFactor(services)];
  return createMfaService(services, { ...options, extraFactors });
}
