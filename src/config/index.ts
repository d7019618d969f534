// One typed Config from the environment (X4). A missing or malformed value throws ConfigError
// naming the variable; main.ts prints it and exits 1.
import type { JWK } from 'oidc-provider';
import { parseSealingKeys, type SealingKeys } from '../crypto/sealed.ts';
import type { RedisTarget } from '../store/ephemeral/redis-connect.ts';
import { loadDevSecrets } from './dev-secrets.ts';
import { type MailSettings, mailSettings } from './mail.ts';
import type { ResourceServer } from './resources.ts';
import { type Env, envSchema } from './schema.ts';
import { type SmsSettings, smsSettings } from './sms.ts';
import { type WebAuthnSettings, webauthnSettings } from './webauthn.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  issuer: string;
  /** ':memory:' keeps nothing on disk (tests). */
  dataDir: string;
  databaseUrl: string | undefined;
  /** REDIS_URL; set only for a single Redis (see `redis` for a cluster or Sentinel group). */
  redisUrl: string | undefined;
  /** The Redis to use (Z1): REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS; unset → in memory. */
  redis: RedisTarget | undefined;
  redisKeyPrefix: string;
  /** PostgreSQL pool size and client-side bounds (Z3); unused with PGlite. */
  database: { poolSize: number; connectTimeoutMs: number; queryTimeoutMs: number };
  /** Redis connect and command bound (Z3); unused with the in-memory store. */
  redisCommandTimeoutMs: number;
  /** In-memory store bound when no Redis is configured (issue 18). */
  memoryStoreMaxKeys: number;
  cookieKeys: string[];
  jwks: { keys: JWK[] };
  factorKeys: SealingKeys;
  clientsFile: string;
  logLevel: Env['LOG_LEVEL'];
  /** Issue 16 item 12: pino-pretty lines (development default) or JSON lines (production default). */
  logFormat: 'pretty' | 'json';
  trustProxy: boolean;
  /** Z4: how long SIGTERM waits for in-flight requests before cutting them (exit 1). */
  shutdownDrainMs: number;
  demo: boolean;
  maxBodyBytes: number;
  /** A1: admin API calls per client per minute. */
  adminRateLimitPerMinute: number;
  /** I4: let the provider's outgoing requests reach loopback addresses (development, tests). */
  oidcFetchAllowLoopback: boolean;
  /** I5: APIs that get JWT access tokens with acr, amr and auth_time. */
  resourceServers: ResourceServer[];
  login: { maxPerAccount: number; maxPerIp: number; windowSeconds: number };
  ttl: {
    sessionPassword: number;
    sessionMfa: number;
    interaction: number;
    accessToken: number;
    idToken: number;
    refreshToken: number;
  };
  mfa: {
    issuerName: string;
    reauthWindowSeconds: number;
    /** G5: how long a completed second factor allows adding or removing a method. */
    bindingWindowSeconds: number;
    /** G2: the longest grace period an owner may set, in days (0: none). */
    maxGraceDays: number;
    /** G4: the most days an owner may let a device be remembered (0: never). */
    rememberDeviceMaxDays: number;
    maxFailuresPerWindow: number;
    maxFailuresPerIp: number;
    failureWindowSeconds: number;
    lockoutThreshold: number;
  };
  /** Enterprise SSO (F1): discovery cache lifetime, upstream HTTP deadline, http:// upstreams. */
  sso: { discoveryTtlSeconds: number; httpTimeoutSeconds: number; allowHttp: boolean };
  /** SMS provider, pool, blocked countries, code lifetime and send budgets (S2–S5). */
  sms: SmsSettings;
  /** Mail provider, sender addresses, send budgets, recovery link lifetime (U1, U4). */
  mail: MailSettings;
  /** Passkeys: relying-party ID, origins, challenge lifetime (W1–W7). */
  webauthn: WebAuthnSettings;
}

function parseEnv(source: NodeJS.ProcessEnv): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`Invalid configuration — ${problems.join('; ')}`);
}

/** Z1: at most one of REDIS_URL, REDIS_CLUSTER_NODES and REDIS_SENTINELS (+ REDIS_SENTINEL_NAME). */
function redisTarget(env: Env): RedisTarget | undefined {
  const set = (['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const).filter((name) => env[name]);
  if (set.length > 1) throw new ConfigError(`Invalid configuration — set only one of ${set.join(', ')}`);
  if (env.REDIS_SENTINELS && !env.REDIS_SENTINEL_NAME) {
    throw new ConfigError('Invalid configuration — REDIS_SENTINEL_NAME is required with REDIS_SENTINELS');
  }
  if (env.REDIS_SENTINEL_NAME && !env.REDIS_SENTINELS) {
    throw new ConfigError('Invalid configuration — REDIS_SENTINEL_NAME is set but REDIS_SENTINELS is not');
  }
  if (env.REDIS_URL) return { kind: 'single', url: env.REDIS_URL };
  if (env.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: env.REDIS_CLUSTER_NODES };
  if (env.REDIS_SENTINELS && env.REDIS_SENTINEL_NAME) {
    return { kind: 'sentinel', sentinels: env.REDIS_SENTINELS, name: env.REDIS_SENTINEL_NAME };
  }
  return undefined;
}

export async function loadConfig(source: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const env = parseEnv(source);
  const production = env.NODE_ENV === 'production';
  if (production) requireProductionSettings(env);
  const redis = redisTarget(env);
  const dev = await loadDevSecrets({
    dataDir: env.DATA_DIR,
    jwksFile: env.JWKS_FILE,
    generate: !production,
  }).catch((err: Error) => {
    throw new ConfigError(`Invalid configuration — JWKS_FILE: ${err.message}`);
  });
  const cookieKeys = env.COOKIE_KEYS?.length ? env.COOKIE_KEYS : dev.cookieKeys;
  if (cookieKeys.some((k) => k.length < 32)) {
    throw new ConfigError('Invalid configuration — COOKIE_KEYS: each key must be at least 32 characters');
  }
  const sms = invalidAs('', () => smsSettings(env));
  const mail = invalidAs('', () => mailSettings(env));
  const issuer = (env.ISSUER ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');
  const webauthn = invalidAs('', () => webauthnSettings(env, issuer));
  const factorKeys = invalidAs('FACTOR_ENCRYPTION_KEYS: ', () =>
    parseSealingKeys(env.FACTOR_ENCRYPTION_KEYS ?? dev.factorKeys),
  );
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    issuer,
    ...storeSettings(env, redis),
    cookieKeys,
    jwks: dev.jwks,
    factorKeys,
    ...serverSettings(env, production),
    login: {
      maxPerAccount: env.LOGIN_MAX_ATTEMPTS_PER_ACCOUNT,
      maxPerIp: env.LOGIN_MAX_ATTEMPTS_PER_IP,
      windowSeconds: env.LOGIN_ATTEMPT_WINDOW_SECONDS,
    },
    ...sessionSettings(env, production),
    sms,
    mail,
    webauthn,
  };
}

function requireProductionSettings(env: Env): void {
  for (const name of ['ISSUER', 'COOKIE_KEYS', 'JWKS_FILE', 'FACTOR_ENCRYPTION_KEYS'] as const) {
    if (!env[name] || (Array.isArray(env[name]) && env[name].length === 0)) {
      throw new ConfigError(`Invalid configuration — ${name} is required when NODE_ENV=production`);
    }
  }
  if (env.DATA_DIR === ':memory:') {
    throw new ConfigError('Invalid configuration — DATA_DIR=:memory: is not allowed in production');
  }
}

/** A settings group's own error, as a ConfigError (after `prefix`, e.g. the variable's name). */
function invalidAs<T>(prefix: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new ConfigError(`Invalid configuration — ${prefix}${(err as Error).message}`);
  }
}

function storeSettings(env: Env, redis: RedisTarget | undefined) {
  return {
    dataDir: env.DATA_DIR,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    redis,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    database: {
      poolSize: env.DATABASE_POOL_SIZE,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
    },
    redisCommandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    memoryStoreMaxKeys: env.MEMORY_STORE_MAX_KEYS,
  } satisfies Partial<Config>;
}

function serverSettings(env: Env, production: boolean) {
  return {
    clientsFile: env.CLIENTS_FILE,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT ?? (production ? 'json' : 'pretty'),
    trustProxy: env.TRUST_PROXY,
    shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
    demo: env.DEMO ?? env.NODE_ENV === 'development',
    maxBodyBytes: env.MAX_BODY_BYTES,
    adminRateLimitPerMinute: env.ADMIN_RATE_LIMIT_PER_MINUTE,
    oidcFetchAllowLoopback: env.OIDC_FETCH_ALLOW_LOOPBACK,
    resourceServers: env.RESOURCE_SERVERS,
  } satisfies Partial<Config>;
}

/** Lifetimes, the MFA step's limits and windows, and SSO. */
function sessionSettings(env: Env, production: boolean) {
  return {
    ttl: {
      sessionPassword: env.SESSION_TTL_PASSWORD_SECONDS,
      sessionMfa: env.SESSION_TTL_MFA_SECONDS,
      interaction: env.INTERACTION_TTL_SECONDS,
      accessToken: env.ACCESS_TOKEN_TTL_SECONDS,
      idToken: env.ID_TOKEN_TTL_SECONDS,
      refreshToken: env.REFRESH_TOKEN_TTL_SECONDS,
    },
    mfa: {
      issuerName: env.MFA_ISSUER_NAME,
      reauthWindowSeconds: env.REAUTH_WINDOW_SECONDS,
      bindingWindowSeconds: env.MFA_BINDING_WINDOW_SECONDS,
      maxGraceDays: env.MFA_MAX_GRACE_DAYS,
      rememberDeviceMaxDays: env.REMEMBER_DEVICE_MAX_DAYS,
      maxFailuresPerWindow: env.MFA_MAX_FAILURES_PER_WINDOW,
      maxFailuresPerIp: env.MFA_MAX_FAILURES_PER_IP,
      failureWindowSeconds: env.MFA_FAILURE_WINDOW_SECONDS,
      lockoutThreshold: env.MFA_LOCKOUT_THRESHOLD,
    },
    sso: {
      discoveryTtlSeconds: env.SSO_DISCOVERY_TTL_SECONDS,
      httpTimeoutSeconds: env.SSO_HTTP_TIMEOUT_SECONDS,
      allowHttp: env.SSO_ALLOW_HTTP ?? !production,
    },
  } satisfies Partial<Config>;
}
