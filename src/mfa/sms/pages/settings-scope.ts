// What the SMS settings pages share (./settings.ts registers them): the settings deps, the SMS
// factor and its enrollment, and the signed-in account session with its CSRF check. Its own
// module so the pages import it without a cycle.
import type { Context } from 'koa';
import { checkCsrf, loadAccountSession } from '../../../account/session.ts';
import type { SettingsDeps } from '../../pages.ts';
import type { SmsParts } from './common.ts';

const BASE = '/account/security/sms';

export type SmsSettingsScope = ReturnType<typeof smsSettingsScope>;

export function smsSettingsScope(deps: SettingsDeps, parts: SmsParts) {
  const { provider, services, mfa } = deps;

  /** The signed-in account session (CSRF checked when a form is given), or undefined after a redirect. */
  async function signedIn(ctx: Context, form?: Record<string, string>) {
    const s = await loadAccountSession(ctx, provider, mfa, services.config.cookieKeys[0]);
    if (!s) {
      ctx.status = 303;
      ctx.redirect(`/account/login?return_to=${encodeURIComponent('/account/security')}`);
      return undefined;
    }
    if (form) checkCsrf(s, form.csrf);
    return s;
  }

  return { deps, parts, base: BASE, signedIn };
}
