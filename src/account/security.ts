// /account/security (M1–M4, T1, I8): the page (./security-page.ts), the password re-entry before a
// method is added, each factor's own settings routes (src/mfa/<factor>/pages/, listed in
// src/mfa/page-registry.ts), revoking an app's access and ending the other sessions.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { audit } from '../audit.ts';
import { revokeConsent } from '../core/consents.ts';
import { readForm } from '../http/form.ts';
import { enrollmentViews } from '../interactions/mfa/enroll-steps.ts';
import { FACTOR_PAGES } from '../mfa/page-registry.ts';
import type { SettingsDeps } from '../mfa/pages.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import { createBindingGate } from './binding-gate.ts';
import { checkPassword } from './credentials.ts';
import { securityPage } from './security-page.ts';
import { type AccountSession, checkCsrf, loadAccountSession } from './session.ts';

const BASE = '/account/security';

export function securityRoutes(
  router: Router,
  provider: Provider,
  services: Services,
  mfa: MfaService,
): void {
  const { sor, config } = services;
  const signedIn = async (ctx: Context): Promise<AccountSession | undefined> => {
    const s = await loadAccountSession(ctx, provider, mfa, config.cookieKeys[0]);
    if (!s) {
      ctx.status = 303;
      ctx.redirect(`/account/login?return_to=${encodeURIComponent(ctx.path)}`);
    }
    return s;
  };
  const flowKey = (s: AccountSession) => `acct:${s.sessionUid}`;
  const binding = createBindingGate(mfa, signedIn); // G5
  binding.routes(router);
  const who = (ctx: Context, s: AccountSession) => ({
    actorUserId: s.state.user.id,
    ip: ctx.ip,
    userAgent: ctx.get('user-agent'),
  });

  const security = securityPage(services, mfa);
  const page = security.show;

  router.get(BASE, async (ctx) => {
    const s = await signedIn(ctx);
    if (s) await page(ctx, s);
  });

  // T1: adding a method starts with the password; fresh for REAUTH_WINDOW_SECONDS.
  router.post(`${BASE}/reauth`, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    const t = ctx.state.t;
    const form = readForm(ctx, {
      csrf: { maxLength: 100 },
      password: { maxLength: 1024 },
      username: { maxLength: 254, optional: true },
    });
    checkCsrf(s, form.csrf);
    // V2: the attempt counts before the password is checked; a right password gives it back.
    const attempt = await mfa.guard.begin(s.state.user.id, ctx.ip);
    if (!attempt.allowed || !(await checkPassword(sor, s.state.user.email, form.password))) {
      if (attempt.allowed) await attempt.fail(undefined, who(ctx, s));
      return enrollmentViews(ctx, services, mfa).reauth(
        ctx.query.next === 'sms' ? `${BASE}/reauth?next=sms` : `${BASE}/reauth`,
        s.state.user.email,
        {
          csrf: s.csrf,
          error: attempt.allowed
            ? t('reauth.invalid')
            : t('mfa.rate_limited', { minutes: Math.ceil(attempt.retryAfterSeconds / 60) }),
          status: attempt.allowed ? 401 : 429,
        },
      );
    }
    await attempt.cancel();
    await mfa.reauth.mark(flowKey(s), s.state.user.id);
    ctx.status = 303;
    ctx.redirect(ctx.query.next === 'sms' ? `${BASE}/sms` : `${BASE}/totp`);
  });

  const deps: SettingsDeps = {
    provider,
    services,
    mfa,
    signedIn,
    binding,
    showSecurity: async (ctx, s, flash, status) =>
      page(ctx, (await loadAccountSession(ctx, provider, mfa, config.cookieKeys[0])) ?? s, flash, status),
    showKept: security.kept,
  };
  for (const factor of FACTOR_PAGES) factor.routes?.settings?.(router, deps);

  // I8: revoking an app's access removes the consent and that client's grants and tokens.
  router.post(`${BASE}/apps/revoke`, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    const form = readForm(ctx, { csrf: { maxLength: 100 }, client_id: { maxLength: 128 } });
    checkCsrf(s, form.csrf);
    const { removed } = await revokeConsent(sor, services.eph, s.state.user.id, form.client_id);
    if (removed)
      await audit(
        sor,
        who(ctx, s),
        'consent.revoked',
        { userId: s.state.user.id },
        { clientId: form.client_id },
      );
    await page(ctx, s, { notice: ctx.state.t('security.app_revoked') });
  });

  router.post(`${BASE}/sessions/end-others`, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    checkCsrf(s, readForm(ctx, { csrf: { maxLength: 100 } }).csrf);
    const { sessionsEnded } = await mfa.sessions.endEverything(s.state.user.id, { keep: s.sessionId });
    const notice = ctx.state.t('security.sessions_ended', { count: sessionsEnded });
    await page(ctx, s, { notice });
  });
}
