// /account/security (M1–M4, T1, I8): the page (./security-page.ts), the password re-entry before a
// method is added, each factor's own settings routes (src/mfa/<factor>/pages/, listed in
// src/mfa/page-registry.ts), revoking an app's access and ending the other sessions.
import type Router from '@koa/router';
import type Provider from 'oidc-provider';
import { audit } from '../audit.ts';
import { revokeConsent } from '../core/consents.ts';
import { whoActs } from '../core/flow.ts';
import { ensureFresh, reenterPassword } from '../core/flow-steps.ts';
import { readForm } from '../http/form.ts';
import { FACTOR_PAGES, FIRST_ENROLLMENT, pagesOf } from '../mfa/page-registry.ts';
import type { SettingsDeps } from '../mfa/pages.ts';
import { proofForms } from '../mfa/proof-form.ts';
import { isFactorType } from '../mfa/registry.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import type { FactorType } from '../store/records.ts';
import { createBindingGate } from './binding-gate.ts';
import { accountMiddleware, accountOf } from './middleware.ts';
import { type SecurityPage, securityPage } from './security-page.ts';
import { type AccountSession, loadAccountSession, settingsFlow } from './session.ts';

const BASE = '/account/security';
/** The password page leads back to the first enrollment unless told (T1, ?next=<type>). */
const FIRST = FIRST_ENROLLMENT;

/** T1: the method whose settings page the password page leads back to (?next=…). */
function nextOf(value: unknown): FactorType | undefined {
  return isFactorType(value) && pagesOf(value)?.routes?.settings ? value : undefined;
}

/** What every settings route gets (src/mfa/pages.ts SettingsDeps), with the page itself. */
function settingsDeps(provider: Provider, services: Services, mfa: MfaService) {
  const account = accountMiddleware(provider, mfa, services.config.cookieKeys[0]);
  const flowOf = (s: AccountSession) => settingsFlow(provider, mfa, s);
  const binding = createBindingGate({ provider, services, mfa }, account); // G5
  const page = securityPage(services, mfa);
  const deps: SettingsDeps = {
    provider,
    services,
    mfa,
    account,
    binding,
    flowOf,
    proof: proofForms({ services, mfa }),
    // G5 first (a recent second factor when a method is enrolled), then T1's password.
    ensureFresh: async (ctx, s, next, expired) =>
      (await binding.ensure(ctx, s, next)) &&
      ensureFresh(ctx, mfa, flowOf(s), next === FIRST ? undefined : next, expired),
    showSecurity: async (ctx, s, flash, status) =>
      page.show(
        ctx,
        (await loadAccountSession(ctx, provider, mfa, services.config.cookieKeys[0])) ?? s,
        flash,
        status,
      ),
    showKept: page.kept,
  };
  return { deps, page };
}

export function securityRoutes(
  router: Router,
  provider: Provider,
  services: Services,
  mfa: MfaService,
): void {
  const { deps, page } = settingsDeps(provider, services, mfa);
  const { account, flowOf } = deps;
  deps.binding.routes(router);

  router.get(BASE, account(), (ctx) => page.show(ctx, accountOf(ctx)));

  // T1: adding a method starts with the password; fresh for REAUTH_WINDOW_SECONDS.
  router.post(`${BASE}/reauth`, account(), async (ctx) => {
    const s = accountOf(ctx);
    const form = readForm(ctx, {
      password: { maxLength: 1024 },
      username: { maxLength: 254, optional: true },
    });
    const next = nextOf(ctx.query.next);
    if (!(await reenterPassword(ctx, deps, flowOf(s), form.password, next))) return;
    ctx.status = 303;
    ctx.redirect(`${BASE}/${next ?? FIRST}`);
  });

  for (const factor of FACTOR_PAGES) factor.routes?.settings?.(router, deps);
  accessRoutes(router, deps, page);
}

/** I8: revoking an app's access; ending the other sessions. */
function accessRoutes(router: Router, deps: SettingsDeps, page: SecurityPage): void {
  const { services, mfa, account } = deps;
  // I8: revoking an app's access removes the consent and that client's grants and tokens.
  router.post(`${BASE}/apps/revoke`, account(), async (ctx) => {
    const s = accountOf(ctx);
    const form = readForm(ctx, { client_id: { maxLength: 128 } });
    const { sor } = services;
    const { removed } = await revokeConsent(sor, services.eph, s.state.user.id, form.client_id);
    if (removed) {
      const who = whoActs(ctx, deps.flowOf(s));
      await audit(sor, who, 'consent.revoked', { userId: s.state.user.id }, { clientId: form.client_id });
    }
    await page.show(ctx, s, { notice: ctx.state.t('security.app_revoked') });
  });

  router.post(`${BASE}/sessions/end-others`, account(), async (ctx) => {
    const s = accountOf(ctx);
    const { sessionsEnded } = await mfa.sessions.endEverything(s.state.user.id, { keep: s.sessionId });
    const notice = ctx.state.t('security.sessions_ended', { count: sessionsEnded });
    await page.show(ctx, s, { notice });
  });
}
