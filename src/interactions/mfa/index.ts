// The mfa prompt's pages and routes under /interaction/:uid (plugged into interactions/router.ts).
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import { renderPage } from '../../http/render.ts';
import { FACTOR_PAGES } from '../../mfa/page-registry.ts';
import type { SignInDeps } from '../../mfa/pages.ts';
import type { MfaService } from '../../mfa/service.ts';
import { ACR_MFA, ACR_PHR, essentialAcrOf } from '../../oidc/acr.ts';
import type { Services } from '../../services.ts';
import type { InteractionExtension } from '../router.ts';
import { pickMethod, showChallenge, submitChallenge } from './challenge.ts';
import { loadMfaStep, type MfaStep } from './context.ts';
import { enrollLinks, ensureFresh, showEnrollment, submitReauth } from './enroll.ts';
import { chooseSetup, remindLater, showGraceReminder } from './grace.ts';
import { showLocked } from './locked.ts';

/** An essential acr that this step cannot provide ends the request (OIDC Core §5.5.1.1). */
async function unmetAcr(ctx: Context, provider: Provider, step: MfaStep): Promise<boolean> {
  const values = essentialAcrOf((step.details.params as { claims?: unknown }).claims);
  if (values.length === 0 || values.includes(ACR_MFA) || values.includes(ACR_PHR)) return false;
  const redirectTo = await provider.interactionResult(
    ctx.req,
    ctx.res,
    { error: 'unmet_authentication_requirements', error_description: 'the requested acr cannot be met' },
    { mergeWithLastSubmission: false },
  );
  ctx.status = 303;
  ctx.redirect(redirectTo);
  return true;
}

export function mfaExtension(provider: Provider, services: Services, mfa: MfaService): InteractionExtension {
  const step = (ctx: Context, details?: Interaction) => loadMfaStep(ctx, provider, mfa, details);
  const deps: SignInDeps = {
    provider,
    services,
    mfa,
    load: (ctx) => step(ctx),
    showChallenge: (ctx, s, method, mode, refused) =>
      showChallenge(ctx, deps, s, { method, mode, ...refused }),
    ensureFresh: (ctx, s, next, expired) => ensureFresh(ctx, deps, s, next, expired),
    enrollLinks: (ctx, s) => enrollLinks(ctx, deps, s),
  };
  const show = async (ctx: Context, details: Interaction) => {
    ctx.state.issuerName = services.config.mfa.issuerName;
    const s = await step(ctx, details);
    if (await unmetAcr(ctx, provider, s)) return;
    if (s.decision.locked) return showLocked(ctx, s); // V1: no code, no enrollment
    if (s.reminder) return showGraceReminder(ctx, s); // G2
    if (s.enrolls) return showEnrollment(ctx, deps, s);
    const method = pickMethod(s, ctx.query.method);
    if (!method) {
      const t = ctx.state.t;
      return renderPage(ctx, 'error', { title: t('error.title'), message: t('mfa.locked'), code: null }, 423);
    }
    return showChallenge(ctx, deps, s, { method });
  };
  return {
    prompt: 'mfa',
    show,
    routes(router) {
      router.post('/mfa/verify', async (ctx) => {
        ctx.state.issuerName = services.config.mfa.issuerName;
        return submitChallenge(ctx, deps, await loadMfaStep(ctx, provider, mfa));
      });
      router.post('/mfa/grace/setup', async (ctx) => {
        const s = await step(ctx);
        if (!s.reminder) return remindLater(ctx, s, false);
        return chooseSetup(ctx, mfa.graceSetup, s);
      });
      router.post('/mfa/grace/later', async (ctx) => {
        const s = await step(ctx);
        return remindLater(ctx, s, s.reminder);
      });
      router.post('/mfa/reauth', async (ctx) => submitReauth(ctx, deps, await step(ctx)));
      // Each factor's own steps (src/mfa/<factor>/pages/), e.g. /mfa/enroll/totp/confirm.
      for (const pages of FACTOR_PAGES) pages.routes?.signIn?.(router, deps);
    },
  };
}
