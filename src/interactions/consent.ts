// Consent for third-party clients (first-party clients get their grant in loadExistingGrant).
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import { rememberConsent } from '../oidc/consents.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import { clientNameOf, loadInteraction } from './load.ts';

const KNOWN_SCOPES = new Set(['openid', 'email', 'profile', 'offline_access']);

export async function showConsent(ctx: Context, provider: Provider, details: Interaction): Promise<void> {
  const t = ctx.state.t;
  const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
  await renderPage(ctx, 'consent', {
    title: t('consent.title'),
    clientName: await clientNameOf(provider, details.params.client_id),
    scopes: missing.filter((s) => KNOWN_SCOPES.has(s)),
    action: `/interaction/${details.uid}/consent`,
  });
}

export async function submitConsent(ctx: Context, provider: Provider, sor: SystemOfRecord): Promise<void> {
  const details = await loadInteraction(ctx, provider, 'consent');
  const { decision } = readForm(ctx, { decision: { maxLength: 5 } });
  let result: Parameters<Provider['interactionResult']>[2];
  if (decision === 'allow') {
    const { accountId } = details.session ?? {};
    const clientId = String(details.params.client_id);
    const grant =
      (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
      new provider.Grant({ accountId, clientId });
    const d = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await rememberConsent(sor, grant); // I8
    result = { consent: { grantId } };
  } else {
    result = { error: 'access_denied', error_description: 'End-User denied the authorization' };
  }
  const redirectTo = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: true,
  });
  ctx.status = 303;
  ctx.redirect(redirectTo);
}

export async function abortInteraction(ctx: Context, provider: Provider): Promise<void> {
  await loadInteraction(ctx, provider);
  const redirectTo = await provider.interactionResult(
    ctx.req,
    ctx.res,
    { error: 'access_denied', error_description: 'End-User aborted the interaction' },
    { mergeWithLastSubmission: false },
  );
  ctx.status = 303;
  ctx.redirect(redirectTo);
}
