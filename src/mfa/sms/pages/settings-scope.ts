// What the SMS settings pages share (./settings.ts registers them): the settings deps, the SMS
// factor and its enrollment, and the account middleware of their routes (the sign-in comes back to
// the security page). Its own module so the pages import it without a cycle.
import type { SettingsDeps } from '../../pages.ts';
import type { SmsParts } from './common.ts';

const BASE = '/account/security/sms';

export type SmsSettingsScope = ReturnType<typeof smsSettingsScope>;

export function smsSettingsScope(deps: SettingsDeps, parts: SmsParts) {
  /** The signed-in account session (src/account/middleware.ts; CSRF checked for a POST). */
  const account = () => deps.account({ returnTo: '/account/security' });
  return { deps, parts, base: BASE, account };
}
