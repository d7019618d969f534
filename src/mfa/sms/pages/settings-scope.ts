// What the SMS settings pages share (./sms.ts registers them): the signed-in account session, the
// flow key of its codes, and who acts. Its own module so the pages import it without a cycle.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { type AccountSession, checkCsrf, loadAccountSession } from '../../../account/session.ts';
import type { Services } from '../../../services.ts';
import type { MfaService } from '../../service.ts';
import { localeOf, type SmsParts } from './common.ts';

const BASE = '/account/security/sms';

export type SmsSettingsScope = ReturnType<typeof smsSettingsScope>;

export function smsSettingsScope(provider: Provider, services: Services, mfa: MfaService, parts: SmsParts) {
  const { config } = services;
  const flowKey = (s: AccountSession) => `acct:${s.sessionUid}`;
  const who = (ctx: Context, s: AccountSession) => ({
    actorUserId: s.state.user.id,
    ip: ctx.ip,
    userAgent: ctx.get('user-agent'),
  });
  const request = (ctx: Context) => ({ ip: ctx.ip, locale: localeOf(ctx) });

  async function signedIn(ctx: Context, form?: Record<string, string>) {
    const s = await loadAccountSession(ctx, provider, mfa, config.cookieKeys[0]);
    if (!s) {
      ctx.status = 303;
      ctx.redirect(`/account/login?return_to=${encodeURIComponent('/account/security')}`);
      return undefined;
    }
    if (form) checkCsrf(s, form.csrf);
    return s;
  }

  return { provider, services, mfa, parts, base: BASE, flowKey, who, request, signedIn };
}
