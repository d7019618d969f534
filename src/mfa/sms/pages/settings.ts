// SMS on the security settings page (S1–S3, S6, M2, M3): registers adding a phone (./settings-add.ts)
// and disabling SMS (./settings-disable.ts), with what both share: the signed-in account session, the
// flow key of its codes, and who acts.
import type Router from '@koa/router';
import type { SettingsDeps } from '../../pages.ts';
import { smsParts } from './common.ts';
import { smsAddRoutes } from './settings-add.ts';
import { smsDisableRoutes } from './settings-disable.ts';
import { smsSettingsScope } from './settings-scope.ts';

export function smsSettingsRoutes(router: Router, deps: SettingsDeps): void {
  const parts = smsParts(deps.services, deps.mfa);
  if (!parts) return;
  const scope = smsSettingsScope(deps, parts);
  smsAddRoutes(router, scope);
  smsDisableRoutes(router, scope);
}
