// SMS on the security settings page (S1–S3, S6, M2, M3): registers adding a phone (./sms-add.ts)
// and disabling SMS (./sms-disable.ts), with what both share: the signed-in account session, the
// flow key of its codes, and who acts.
import type Router from '@koa/router';
import type Provider from 'oidc-provider';
import { smsParts } from '../interactions/mfa/sms-common.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import { smsAddRoutes } from './sms-add.ts';
import { smsDisableRoutes } from './sms-disable.ts';
import { smsSettingsScope } from './sms-scope.ts';

export function smsSettingsRoutes(
  router: Router,
  provider: Provider,
  services: Services,
  mfa: MfaService,
): void {
  const parts = smsParts(services, mfa);
  if (!parts) return;
  const scope = smsSettingsScope(provider, services, mfa, parts);
  smsAddRoutes(router, scope);
  smsDisableRoutes(router, scope);
}
