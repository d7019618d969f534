// I1: refresh tokens that work with real client libraries (OIDC Core §11, RFC 6749 §6).
//
// - A refresh token is issued only where the client asked (offline_access granted) and is allowed
//   (grant_types has refresh_token): the provider's own rule, no refresh token on a plain sign-in.
// - oidc-provider drops offline_access from every authorization request without prompt=consent.
//   §11 permits offline access under "other conditions" too; ours are: a first-party client (no
//   consent screen by design), or a third-party client whose user sees our consent page, which
//   lists offline access (or granted it before). A prompt=none request of a third-party client
//   that never got offline access keeps the provider's rule, so silent renewal still works.
// - A refresh that re-sends scopes the grant never had (clients re-send their original scope)
//   gets the granted subset instead of invalid_scope; it never gets more than was granted.
import type Provider from 'oidc-provider';
import { type Client, type Configuration, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
// The provider's own refresh_token grant handler and its helpers, wrapped (not re-implemented)
// through the public registerGrantType; see src/types/oidc-provider-internals.d.ts.
import {
  parameters,
  handler as refreshTokenHandler,
} from 'oidc-provider/lib/actions/grants/refresh_token.js';
import * as grantHelpers from 'oidc-provider/lib/helpers/grants.js';

const OFFLINE = 'offline_access';
const { Check } = interactionPolicy;

type IsFirstParty = (client: Client) => boolean;

/** The scope parameter as the client sent it, before the provider dropped offline_access. */
function sentScope(ctx: KoaContextWithOIDC): string[] {
  const source = ctx.method === 'POST' ? (ctx.oidc.body as Record<string, unknown> | undefined) : ctx.query;
  const scope = source?.scope;
  return typeof scope === 'string' ? scope.split(' ') : [];
}

function keepsOfflineAccess(ctx: KoaContextWithOIDC, isFirstParty: IsFirstParty): boolean {
  const { client, params, grant, prompts } = ctx.oidc;
  if (!client?.grantTypeAllowed('refresh_token')) return false;
  if (!sentScope(ctx).includes(OFFLINE)) return false;
  if (isFirstParty(client)) return true;
  // Third party: our consent page asks for it unless the user granted it before.
  if (grant?.getOIDCScope().split(' ').includes(OFFLINE)) return true;
  return !prompts.has('none') && typeof params?.scope === 'string';
}

/**
 * On the authorization request itself (not on resume, where the saved parameters already carry
 * the decision) puts offline_access back into the request's scope where the conditions above hold.
 * Idempotent; called by loadExistingGrant (first-party grants are built from the scope) and by a
 * login-prompt check, which covers requests without a session and runs before the consent prompt.
 */
export function restoreOfflineAccess(ctx: KoaContextWithOIDC, isFirstParty: IsFirstParty): void {
  const params = ctx.oidc.params as { scope?: string } | undefined;
  if (ctx.oidc.route !== 'authorization' || !params?.scope) return;
  const scopes = params.scope.split(' ');
  if (!scopes.includes(OFFLINE) && keepsOfflineAccess(ctx, isFirstParty)) {
    params.scope = [...scopes, OFFLINE].join(' ');
  }
}

/** The check never prompts; it only restores offline_access (see restoreOfflineAccess). */
export function offlineAccessCheck(isFirstParty: IsFirstParty): interactionPolicy.Check {
  return new Check('offline_access_conditions', 'offline access conditions', (ctx) => {
    restoreOfflineAccess(ctx, isFirstParty);
    return Check.NO_NEED_TO_PROMPT;
  });
}

export function addOfflineAccessCheck(policy: interactionPolicy.DefaultPolicy, isFirstParty: IsFirstParty) {
  policy.get('login')?.checks.add(offlineAccessCheck(isFirstParty), 0);
  return policy;
}

/** The provider's rule, spelled out: asked for (offline_access in the code's or token's scope) and allowed. */
export const issueRefreshToken = async (
  _ctx: KoaContextWithOIDC,
  client: { grantTypeAllowed(type: string): boolean },
  source: { scopes: Set<string> },
): Promise<boolean> => client.grantTypeAllowed('refresh_token') && source.scopes.has(OFFLINE);

/** RFC 6749 §6: narrows a refresh's scope parameter to what the refresh token was granted. */
async function narrowRefreshScope(provider: Provider, ctx: KoaContextWithOIDC): Promise<void> {
  const params = ctx.oidc.params as { scope?: string; refresh_token?: string };
  if (!params.scope || typeof params.refresh_token !== 'string') return;
  const token = await provider.RefreshToken.find(params.refresh_token, { ignoreExpiration: true });
  // Anything wrong with the token itself is the provider's to answer.
  if (!token || token.clientId !== ctx.oidc.client?.clientId) return;
  const granted = new Set(token.scope?.split(' ') ?? []);
  const kept = params.scope.split(' ').filter((s) => granted.has(s));
  params.scope = kept.length > 0 ? kept.join(' ') : undefined;
}

/** Re-registers refresh_token with the provider's own handler, the scope narrowed first. */
export function useLenientRefreshScope(provider: Provider, configuration: Configuration): void {
  // The same parameters the provider registers the grant with (src: lib/helpers/initialize_app.js).
  const resourceIndicators = configuration.features?.resourceIndicators?.enabled === true;
  const rar = configuration.features?.richAuthorizationRequests?.enabled === true;
  const bound = Object.fromEntries(
    Object.entries(grantHelpers).map(([name, helper]) => [
      name,
      (helper as (...args: unknown[]) => unknown).bind(undefined, provider),
    ]),
  );
  provider.registerGrantType(
    'refresh_token',
    async (ctx) => {
      await narrowRefreshScope(provider, ctx as unknown as KoaContextWithOIDC);
      await refreshTokenHandler(provider, bound, ctx);
    },
    [...parameters, ...(resourceIndicators ? ['resource'] : []), ...(rar ? ['authorization_details'] : [])],
    resourceIndicators ? ['resource'] : undefined,
  );
}
