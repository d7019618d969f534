// node-oidc-provider configuration (O1, O2, L4). Nothing here re-implements the protocol.
import Provider, {
  type Client,
  type Configuration,
  type interactionPolicy,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { ADMIN_SCOPES } from '../admin/auth.ts';
import type { Deadbolt } from '../index.ts';
import type { Services } from '../services.ts';
import type { AdapterConstructor } from '../store/ports.ts';
import { findAccount } from './account.ts';
import { providerFetch } from './backchannel.ts';
import { type ClientRegistry, clientAdapter } from './client-registry.ts';
import { CLIENT_PROPERTIES, toMetadata } from './clients.ts';
import { grantFromConsent } from './consents.ts';
import { discoverySettings } from './discovery.ts';
import { introspectionAllowed } from './introspection.ts';
import { logoutSource, postLogoutSuccessSource, renderError } from './pages.ts';
import {
  addOfflineAccessCheck,
  issueRefreshToken,
  restoreOfflineAccess,
  useLenientRefreshScope,
} from './refresh.ts';
import { authContextClaims, grantResourceScopes, resourceIndicators } from './resources.ts';

/** The `first_party` property of the client's metadata (static or from the SoR, A2). */
function isFirstParty(client: Client | undefined): boolean {
  return client?.first_party === true;
}

/**
 * A2: the ephemeral store's adapters, except for the `Client` model, which reads the system of
 * record on every lookup (a new or changed client works at once on every instance).
 */
function adapterWithClients(Base: AdapterConstructor, registry: ClientRegistry): AdapterConstructor {
  return class {
    constructor(name: string) {
      // biome-ignore lint/correctness/noConstructorReturn: the provider only calls `new adapter(name)`
      return name === 'Client' ? clientAdapter(registry) : new Base(name);
    }
  } as unknown as AdapterConstructor;
}

/** The grant a request may reuse: I8's kept consent for third parties, an implicit one for first parties. */
async function loadExistingGrant(ctx: KoaContextWithOIDC, sor: Services['sor']) {
  const { client, session, result } = ctx.oidc;
  if (!client || !session?.accountId) return undefined;
  const grantId = (result?.consent?.grantId as string | undefined) ?? session.grantIdFor(client.clientId);
  const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
  // I8: a third-party client's consent outlives the browser session it was given in.
  if (!isFirstParty(client))
    return existing ?? (await grantFromConsent(ctx, sor, session.accountId, client.clientId));
  // First-party clients skip consent: their grant covers what they ask for.
  const grant =
    existing ?? new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
  restoreOfflineAccess(ctx, isFirstParty); // I1
  const scope = ctx.oidc.params?.scope;
  if (typeof scope === 'string') grant.addOIDCScope(scope);
  grantResourceScopes(ctx, grant);
  grant.addOIDCClaims(claimsAsked(ctx.oidc.params?.claims));
  await grant.save();
  return grant;
}

/** The claim names of a claims parameter (an invalid one is rejected by the provider itself). */
function claimsAsked(claims: unknown): string[] {
  if (typeof claims !== 'string') return [];
  try {
    const parsed = JSON.parse(claims) as { id_token?: object; userinfo?: object };
    return [...Object.keys(parsed.id_token ?? {}), ...Object.keys(parsed.userinfo ?? {})];
  } catch {
    return [];
  }
}

/**
 * E4: the reference server's provider — its own configuration (clients from the system of record,
 * keys, scopes, features, consent), augmented with the MFA step by the public `configure()` like
 * any host's: the mfa prompt, acr/amr claims, the token endpoint's re-check, the P7 lifetimes.
 */
export function createProvider(services: Services, deadbolt: Pick<Deadbolt, 'configure'>): Provider {
  const { config, sor, eph, clients } = services;
  const own: Configuration = {
    adapter: adapterWithClients(eph.OidcAdapter, clients),
    clients: clients.builtIn.map(toMetadata),
    findAccount: findAccount(sor),
    jwks: config.jwks,
    cookies: {
      keys: config.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
    },
    scopes: ['openid', 'email', 'offline_access', ...ADMIN_SCOPES], // A1: admin scopes for client credentials
    extraClientMetadata: { properties: CLIENT_PROPERTIES },
    ...discoverySettings, // I2
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      introspection: { enabled: true, allowedPolicy: introspectionAllowed }, // I3
      revocation: { enabled: true },
      clientCredentials: { enabled: true }, // A1: admin API tokens (src/admin/auth.ts)
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      backchannelLogout: { enabled: true }, // I4: see src/oidc/backchannel.ts
      resourceIndicators: resourceIndicators(config), // I5
    },
    extraTokenClaims: authContextClaims, // I5: acr, amr, auth_time in APIs' JWT access tokens
    fetch: providerFetch(config.oidcFetchAllowLoopback),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: config.ttl.accessToken,
      AuthorizationCode: 60,
      IdToken: config.ttl.idToken,
      Interaction: config.ttl.interaction,
      Grant: config.ttl.sessionMfa,
      RefreshToken: config.ttl.refreshToken,
    },
    issueRefreshToken, // I1
    loadExistingGrant: (ctx: KoaContextWithOIDC) => loadExistingGrant(ctx, sor),
    renderError,
    rotateRefreshToken: true,
  };
  const configuration = deadbolt.configure(own, { adapter: false });
  // I1, after the mfa prompt's own login checks (the order the reference server always had).
  addOfflineAccessCheck(configuration.interactions?.policy as interactionPolicy.DefaultPolicy, isFirstParty);
  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  useLenientRefreshScope(provider, configuration); // I1
  return provider;
}
