// I5: resource indicators (RFC 8707) for the APIs in RESOURCE_SERVERS. A client that names one with
// `resource` gets a JWT access token (RFC 9068) for it that carries how the user authenticated —
// `acr`, `amr`, `auth_time` (RFC 9470 §3) — so the API can demand a step-up (src/api/step-up.ts).
// Requests without `resource` keep getting opaque access tokens for userinfo.
import { type Configuration, errors, type Grant, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/index.ts';

type ResourceIndicators = NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>;

export function resourceIndicators(config: Config): ResourceIndicators {
  const byResource = new Map(config.resourceServers.map((r) => [r.resource, r]));
  return {
    enabled: true,
    // No resource asked: no audience, an opaque token for userinfo (as before I5).
    defaultResource: (_ctx, _client, oneOf) => oneOf,
    // A code or refresh token granted for one API yields tokens for it without `resource` again.
    useGrantedResource: () => true,
    getResourceServerInfo: (_ctx, indicator) => {
      const api = byResource.get(indicator);
      if (!api) throw new errors.InvalidTarget('unknown resource (not in RESOURCE_SERVERS)');
      return {
        audience: api.resource,
        scope: api.scope,
        accessTokenTTL: api.accessTokenTTL ?? config.ttl.accessToken,
        accessTokenFormat: 'jwt',
      };
    },
  };
}

interface AuthContext {
  acr?: string;
  amr?: string[];
  authTime?: number;
}

/**
 * extraTokenClaims: for access tokens of an API, the authentication context of the code or refresh
 * token they were exchanged for (the session's, at the time it authenticated).
 */
export async function authContextClaims(
  ctx: KoaContextWithOIDC,
  token: { resourceServer?: unknown; kind: string },
): Promise<Record<string, unknown> | undefined> {
  if (token.kind !== 'AccessToken' || !token.resourceServer) return undefined;
  const entities = ctx.oidc.entities as { AuthorizationCode?: AuthContext; RefreshToken?: AuthContext };
  const source = entities.RefreshToken ?? entities.AuthorizationCode;
  if (!source) return undefined;
  return { acr: source.acr, amr: source.amr, auth_time: source.authTime };
}

/**
 * First-party clients skip consent (src/oidc/provider.ts): their grant also covers the requested
 * scopes of each requested API.
 */
export function grantResourceScopes(ctx: KoaContextWithOIDC, grant: Grant): void {
  const requested = new Set(String(ctx.oidc.params?.scope ?? '').split(' '));
  for (const [indicator, rs] of Object.entries(ctx.oidc.resourceServers ?? {})) {
    const available = new Set(String(rs.scope ?? '').split(' '));
    const scopes = [...requested].filter((s) => s && available.has(s));
    if (scopes.length) grant.addResourceScope(indicator, scopes.join(' '));
  }
}
