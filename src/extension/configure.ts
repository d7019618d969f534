// E3: `configure()` — augments a host's node-oidc-provider configuration with the MFA step instead
// of replacing it: the mfa prompt after the host's login prompt (its URL on Deadbolt's pages, every
// other prompt on the host's), acr/amr/auth_time claims and acrValues, the token endpoint's
// re-check around the host's findAccount, and optionally the ephemeral store's adapter and the P7
// session lifetimes. A configuration Deadbolt cannot honour is refused with a clear message.
import { type Configuration, errors, type FindAccount, interactionPolicy } from 'oidc-provider';
import type { Config } from '../config/index.ts';
import type { MfaService } from '../mfa/service.ts';
import { checkAtTokenEndpoint } from '../oidc/account.ts';
import { ACR_MFA, ACR_VALUES } from '../oidc/acr.ts';
import { withMfaPrompt } from '../oidc/interaction-policy.ts';
import { createMfaGate, createSessionVoidCheck } from '../oidc/mfa-gate.ts';
import type { EphemeralStore, SystemOfRecord } from '../store/ports.ts';
import { withAccountClient } from './account-client.ts';
import { DeadboltConfigurationError } from './errors.ts';

export { DeadboltConfigurationError };

export interface ConfigureOptions {
  /** Use Deadbolt's ephemeral store (Redis or memory) as the provider's adapter. Default: when the host has none. */
  adapter?: boolean;
  /** P7: session lifetimes by MFA (SESSION_TTL_PASSWORD_SECONDS / _MFA_). Default: when the host sets no `ttl.Session`. */
  sessionTtl?: boolean;
}

export interface ConfigureDeps {
  config: Config;
  sor: SystemOfRecord;
  eph: EphemeralStore;
  mfa: MfaService;
  /** findAccount from the accounts port, for a host configuration without one. */
  findAccount?: FindAccount;
  /** Where the mfa prompt's page lives. */
  mfaUrl: (uid: string) => string;
  /** The security pages are served (routes()): their sign-in's client goes into the host's clients. */
  accountPages?: boolean;
}

const AUTH_CLAIMS = ['acr', 'amr', 'auth_time'];

function refuseUnsupported(host: Configuration, deps: ConfigureDeps): void {
  if (host.features?.devInteractions?.enabled !== false) {
    throw new DeadboltConfigurationError(
      'features.devInteractions is on (the default); set features.devInteractions = { enabled: false } and serve your own login prompt',
    );
  }
  const prompts = host.interactions?.policy?.map((p) => p.name);
  if (prompts && !prompts.includes('login')) {
    throw new DeadboltConfigurationError(
      'interactions.policy has no login prompt to add the mfa prompt after',
    );
  }
  if (prompts?.includes('mfa')) {
    throw new DeadboltConfigurationError('interactions.policy already has a prompt named "mfa"');
  }
  if (!host.findAccount && !deps.findAccount) {
    throw new DeadboltConfigurationError('no findAccount, and createDeadbolt() was given no accounts port');
  }
  if (Array.isArray(host.cookies?.keys) && host.cookies.keys.length === 0) {
    throw new DeadboltConfigurationError('cookies.keys is empty; the interaction cookies must be signed');
  }
}

/** The host's findAccount; at the token endpoint its account is given only once the MFA re-check passed (V3, P3). */
function guardedFindAccount(findAccount: FindAccount, deps: ConfigureDeps): FindAccount {
  return async (ctx, sub, token) => {
    const account = await findAccount(ctx, sub, token);
    if (account && token && ctx.oidc?.route === 'token') {
      const user = await deps.sor.findUserById(sub);
      if (!user) throw new errors.InvalidGrant('the account no longer exists');
      await checkAtTokenEndpoint(user, deps.mfa, sub, token);
    }
    return account;
  };
}

function withAuthClaims(claims: Configuration['claims']): Configuration['claims'] {
  const openid = (claims?.openid as string[] | undefined) ?? ['sub'];
  return { ...claims, openid: [...new Set([...openid, ...AUTH_CLAIMS])] };
}

export function configureProvider(
  given: Configuration,
  deps: ConfigureDeps,
  options: ConfigureOptions = {},
): Configuration {
  refuseUnsupported(given, deps);
  const { config, sor, eph, mfa } = deps;
  const host = deps.accountPages ? withAccountClient(given, config.issuer) : given;
  const hostUrl = host.interactions?.url;
  const policy = withMfaPrompt(
    (host.interactions?.policy as interactionPolicy.DefaultPolicy | undefined) ?? interactionPolicy.base(),
    createMfaGate(mfa),
    createSessionVoidCheck(sor),
  );
  const findAccount = (host.findAccount ?? deps.findAccount) as FindAccount;
  const sessionTtl = options.sessionTtl ?? host.ttl?.Session === undefined;
  return {
    ...host,
    ...((options.adapter ?? !host.adapter) ? { adapter: eph.OidcAdapter } : {}),
    cookies: { ...host.cookies, keys: host.cookies?.keys ?? config.cookieKeys },
    findAccount: guardedFindAccount(findAccount, deps),
    claims: withAuthClaims(host.claims),
    acrValues: [...new Set([...(host.acrValues ?? []), ...ACR_VALUES])],
    interactions: {
      ...host.interactions,
      policy,
      url: (ctx, interaction) =>
        interaction.prompt.name === 'mfa'
          ? deps.mfaUrl(interaction.uid)
          : hostUrl
            ? hostUrl(ctx, interaction)
            : `/interaction/${interaction.uid}`,
    },
    ttl: {
      ...host.ttl,
      // P7: a session that completed MFA is trusted longer than a password-only one.
      ...(sessionTtl
        ? {
            Session: (_ctx, session) =>
              session.amr?.includes('mfa') || session.acr === ACR_MFA
                ? config.ttl.sessionMfa
                : config.ttl.sessionPassword,
          }
        : {}),
    },
  };
}
