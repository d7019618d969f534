// E1–E3: `createDeadbolt()` — Deadbolt as an extension of a host's node-oidc-provider. It opens the
// stores, builds the MFA service (factors, the one decision point, the policy hook) over the host's
// accounts port, and hands back `configure()` for the provider configuration and `routes()` for the
// host's koa app.
import type { Cluster, Redis } from 'ioredis';
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import type { Configuration, FindAccount } from 'oidc-provider';
import type { Logger } from 'pino';
import { ConfigError, loadConfig } from '../config/index.ts';
import type { InteractionExtension } from '../interactions/router.ts';
import { createMfa } from '../mfa/assemble.ts';
import { passkeyExtension } from '../mfa/passkey/signin.ts';
import type { MfaDecision, MfaPolicy } from '../mfa/policy.ts';
import type { MfaService } from '../mfa/service.ts';
import { createBackchannelNotifier } from '../oidc/backchannel.ts';
import { createLogger, openServices } from '../open-services.ts';
import type { Services } from '../services.ts';
import type { SmsSender } from '../sms/sender.ts';
import { accountRoutes } from './account-routes.ts';
import type { AccountsPort } from './accounts.ts';
import { type ConfigureOptions, configureProvider } from './configure.ts';
import { hostDirectory } from './host-directory.ts';
import { type NodeHandler, nodeHandler } from './node-handler.ts';
import type { PagesOptions } from './pages.ts';
import { mfaRoutes } from './routes.ts';
import { createUsers, type DeadboltUsers } from './users.ts';

/** Where Deadbolt keeps its state. */
export interface DeadboltStores {
  /** System of record (factors, audit): a PostgreSQL URL; absent: embedded PGlite under `dataDir`. */
  databaseUrl?: string;
  /** PGlite's directory and the development secrets' (default `.data`); `:memory:` keeps nothing. */
  dataDir?: string;
  /** Ephemeral store (sessions, codes, limits): a Redis URL; absent: in memory (one process only). */
  redisUrl?: string;
  /** Prefix of every Redis key (default `deadbolt:`). */
  redisKeyPrefix?: string;
  /**
   * Ephemeral store: your own ioredis client (Redis or Cluster) instead of `redisUrl`; you close
   * it. For X2, give it `enableOfflineQueue: false` and short timeouts, as Deadbolt's own are.
   */
  redis?: Redis | Cluster;
}

export interface DeadboltOptions {
  /** The provider's issuer (the origin Deadbolt's pages are served from). */
  issuer: string;
  /** The host's user directory (E2). Absent: Deadbolt's own directory (the reference server's). */
  accounts?: AccountsPort;
  stores?: DeadboltStores;
  /** Replaces the default MFA policy hook (P3), at sign-in and at the token endpoint. */
  policy?: MfaPolicy;
  /** SMS sender (S3); absent: the one the SMS_* settings configure. */
  sms?: SmsSender;
  pages?: PagesOptions;
  /**
   * Serve the security settings pages (`/account/security`: the methods, adding and removing
   * them, backup codes, remembered devices, ending other sessions) from `routes()`, signed in
   * through the provider session your login created. They also claim `/account/login`,
   * `/account/callback` and `/account/logout`, and `configure()` adds their sign-in's client
   * (`deadbolt-account`) to yours. Default true; false leaves every URL but the mfa prompt's to you.
   */
  accountPages?: boolean;
  /**
   * Any other setting, by the variable names of README's configuration table (e.g.
   * `FACTOR_ENCRYPTION_KEYS`, `MFA_ISSUER_NAME`, `SESSION_TTL_MFA_SECONDS`); validated like the
   * server's environment. `NODE_ENV=production` makes the secrets mandatory.
   */
  settings?: Record<string, string | undefined>;
  /** A pino logger; default: one at LOG_LEVEL writing JSON lines to stdout. */
  logger?: Logger;
  /** The MFA decision's clock in ms (G2 enforcement dates); default Date.now. */
  clock?: () => number;
}

export interface Deadbolt {
  /** Augments the host's provider configuration with the MFA step (E3); throws DeadboltConfigurationError. */
  configure(configuration: Configuration, options?: ConfigureOptions): Configuration;
  /**
   * Koa middleware serving only Deadbolt's pages (the mfa prompt, and the security settings unless
   * `accountPages: false`); mount it before the provider and your own routes.
   */
  routes(provider: Provider): Koa.Middleware;
  /** The same as `(req, res, next)` middleware for Express or a Node http server; mount it before body parsers. */
  handler(provider: Provider): NodeHandler;
  /** One account of your directory: its MFA decision, its methods, the support reset (R2). */
  users: DeadboltUsers;
  /**
   * The policy hook's decision for an account right now.
   * @deprecated Since 0.2.0: use `users.decide(accountId)`, the same call.
   */
  decide(accountId: string): Promise<MfaDecision | undefined>;
  /** Closes the stores (after the host's server stopped). */
  close(): Promise<void>;
}

/**
 * The parts the reference server shares with `createDeadbolt`.
 * @internal
 */
export interface DeadboltCore extends Deadbolt {
  services: Services;
  mfa: MfaService;
  /** The factors' parts of the reference server's own sign-in page (W3: the passkey button). */
  signInPageExtensions(provider: Provider): InteractionExtension[];
}

function accountsFindAccount(accounts: AccountsPort): FindAccount {
  return async (_ctx, sub) => {
    const account = await accounts.findAccount(sub);
    if (!account) return undefined;
    return { accountId: account.accountId, claims: () => ({ sub: account.accountId, email: account.email }) };
  };
}

function environment(options: DeadboltOptions): Record<string, string> {
  const { stores = {}, settings = {} } = options;
  const env: Record<string, string | undefined> = {
    NODE_ENV: process.env.NODE_ENV === 'production' ? 'production' : 'development',
    DEMO: 'false',
    LOG_LEVEL: 'info',
    ...settings,
    ISSUER: options.issuer,
    DATABASE_URL: stores.databaseUrl,
    DATA_DIR: stores.dataDir ?? settings.DATA_DIR,
    REDIS_URL: stores.redisUrl,
    REDIS_KEY_PREFIX: stores.redisKeyPrefix ?? settings.REDIS_KEY_PREFIX,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The services Deadbolt runs on: a host's directory and password check over its accounts port (E2). */
function servicesFor(services: Services, options: Omit<DeadboltOptions, 'issuer' | 'stores'>): Services {
  const { accounts } = options;
  const s: Services = accounts
    ? {
        ...services,
        sor: hostDirectory(services.sor, accounts),
        verifyPassword: async (id, password) => (await accounts.verifyPassword?.(id, password)) === true,
      }
    : services;
  if (options.sms) s.sms = options.sms;
  return s;
}

/** The pages' CSP form-action sources: 'self' and the host's clients' origins (I6). */
function formActionOf(clients: NonNullable<Configuration['clients']>, issuer: string): string[] {
  const uris = clients.flatMap((c) => [...(c.redirect_uris ?? []), ...(c.post_logout_redirect_uris ?? [])]);
  const origins = uris.flatMap((u) => (URL.canParse(u) ? [new URL(u).origin] : []));
  return ["'self'", ...new Set(origins.filter((o) => o !== new URL(issuer).origin))];
}

/**
 * Deadbolt over services already opened (the reference server's, or createDeadbolt's).
 * @internal
 */
export function deadboltOn(
  services: Services,
  options: Omit<DeadboltOptions, 'issuer' | 'stores'>,
): DeadboltCore {
  const { accountPages = true } = options;
  const s = servicesFor(services, options);
  const mfa = createMfa(s, { policy: options.policy, now: options.clock });
  let clients: NonNullable<Configuration['clients']> = [];
  let keys: Koa['keys'] = s.config.cookieKeys;
  const users = createUsers(s.sor, mfa);
  return {
    services: s,
    mfa,
    users,
    signInPageExtensions: (provider) => [passkeyExtension(provider, s, mfa)],
    configure(configuration, configureOptions) {
      clients = configuration.clients ?? [];
      keys = (configuration.cookies?.keys as Koa['keys'] | undefined) ?? keys;
      return configureProvider(
        configuration,
        {
          ...s,
          mfa,
          findAccount: options.accounts && accountsFindAccount(options.accounts),
          mfaUrl: (uid) => `/interaction/${uid}`,
          accountPages,
        },
        configureOptions,
      );
    },
    routes(provider) {
      // I4, V3: sessions ended by Deadbolt (a reset, a lockout) are logged out at their relying parties.
      mfa.sessions.setNotifier(createBackchannelNotifier(provider, s.logger));
      const formAction = () => formActionOf(clients, s.config.issuer);
      const deps = { services: s, mfa, pages: options.pages, formAction };
      const prompt = mfaRoutes(provider, deps);
      if (!accountPages) return prompt;
      const settings = accountRoutes(provider, deps);
      return (ctx, next) => prompt(ctx, () => settings(ctx, next));
    },
    handler(provider) {
      return nodeHandler(this.routes(provider), keys, s.config.trustProxy);
    },
    decide: users.decide,
    async close() {
      await s.notifier.flush();
      await Promise.allSettled([s.sor.close(), s.eph.close()]);
    },
  };
}

/**
 * Opens Deadbolt's stores and returns the extension (E1). Throws ConfigError for an invalid
 * setting, naming it.
 */
export async function createDeadbolt(options: DeadboltOptions): Promise<Deadbolt> {
  if (!options || typeof options.issuer !== 'string' || !URL.canParse(options.issuer)) {
    throw new ConfigError('Invalid configuration — createDeadbolt({ issuer }) needs the issuer URL');
  }
  const loaded = await loadConfig(environment(options));
  const client = options.stores?.redis;
  const config = client ? { ...loaded, redis: { kind: 'client' as const, client } } : loaded;
  const logger = options.logger ?? createLogger(config);
  const services = await openServices(config, logger, { importClients: false });
  const { services: _s, mfa: _m, ...deadbolt } = deadboltOn(services, options);
  return deadbolt;
}
