// Environment schema (X4). Every variable here is listed in .env.example with its default and the
// README's configuration table; `loadConfig` turns process.env into one typed Config.
import { z } from 'zod';
import { parseHostPorts } from '../store/ephemeral/redis-connect.ts';
import { resourceServersSchema } from './resources.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalUrl = z
  .string()
  .optional()
  .transform((v) => v?.trim() || undefined)
  .pipe(z.string().url().optional());
/** A URL of one of the given schemes (checked only once it parses, so one message per problem). */
const schemes = (allowed: string[]) => (v: string | undefined) =>
  v === undefined || !URL.canParse(v) || allowed.includes(new URL(v).protocol);
const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const hostPorts = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v?.trim()) return undefined;
    try {
      return parseHostPorts(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  // OpenID Connect Discovery §3: the issuer is an http(s) URL with no query or fragment.
  ISSUER: optionalUrl.refine(
    (v) => v === undefined || !URL.canParse(v) || /^https?:\/\/[^?#]+$/i.test(v),
    'must be an http(s) URL without a query or fragment',
  ),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: optionalUrl.refine(schemes(['postgres:', 'postgresql:']), 'must be a postgres:// URL'),
  REDIS_URL: optionalUrl.refine(schemes(['redis:', 'rediss:']), 'must be a redis:// or rediss:// URL'),
  // Z1: a Redis Cluster (seed nodes) or a Sentinel group instead of REDIS_URL; host:port lists.
  REDIS_CLUSTER_NODES: hostPorts,
  REDIS_SENTINELS: hostPorts,
  REDIS_SENTINEL_NAME: z.string().trim().min(1).optional(),
  REDIS_KEY_PREFIX: z.string().default('deadbolt:'),
  // Bounded store waits (Z3): every call ends in X2's 503 within about these times.
  DATABASE_POOL_SIZE: int(1, 1000).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: int(100, 60_000).default(2000),
  DATABASE_QUERY_TIMEOUT_MS: int(100, 600_000).default(3000),
  REDIS_COMMAND_TIMEOUT_MS: int(50, 60_000).default(1000),
  // Issue 18: the in-memory store (no Redis) holds at most this many keys; beyond it the oldest go.
  MEMORY_STORE_MAX_KEYS: int(1000, 100_000_000).default(200_000),
  COOKIE_KEYS: csv.optional(),
  JWKS_FILE: z.string().optional(),
  FACTOR_ENCRYPTION_KEYS: z.string().optional(),
  CLIENTS_FILE: z.string().default('config/clients.json'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Issue 16 item 12: human-readable lines (pino-pretty, a devDependency) or JSON. Default: json in
  // production, pretty elsewhere.
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  TRUST_PROXY: bool.default(false),
  SHUTDOWN_DRAIN_MS: int(0, 600_000).default(10_000),
  DEMO: bool.optional(),
  MAX_BODY_BYTES: int(1024, 1_048_576).default(16_384),
  /** A1: admin API calls per client per minute. */
  ADMIN_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(600),
  // Relying parties (I4, I5): the provider's outgoing requests (back-channel logout) may reach
  // loopback addresses (development and tests only); APIs that get JWT access tokens.
  OIDC_FETCH_ALLOW_LOOPBACK: bool.default(false),
  RESOURCE_SERVERS: resourceServersSchema,
  // Sign-in (L1)
  LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: int(1, 10_000).default(5),
  LOGIN_MAX_ATTEMPTS_PER_IP: int(1, 100_000).default(50),
  LOGIN_ATTEMPT_WINDOW_SECONDS: int(1, 86_400).default(900),
  // Provider lifetimes (P7 and O1)
  SESSION_TTL_PASSWORD_SECONDS: int(60, 31_536_000).default(12 * 3600),
  SESSION_TTL_MFA_SECONDS: int(60, 31_536_000).default(14 * 86_400),
  INTERACTION_TTL_SECONDS: int(60, 86_400).default(3600),
  ACCESS_TOKEN_TTL_SECONDS: int(60, 86_400).default(3600),
  ID_TOKEN_TTL_SECONDS: int(60, 86_400).default(3600),
  REFRESH_TOKEN_TTL_SECONDS: int(60, 31_536_000).default(14 * 86_400),
  // MFA (T1, T4)
  MFA_ISSUER_NAME: z.string().min(1).max(64).default('Deadbolt'),
  REAUTH_WINDOW_SECONDS: int(1, 86_400).default(300),
  MFA_BINDING_WINDOW_SECONDS: int(1, 86_400).default(1200), // G5
  // G2: how far ahead an owner may set the enforcement date (0: no grace period, P5 at once).
  MFA_MAX_GRACE_DAYS: int(0, 365).default(0),
  // G4: the most days an owner may let members' devices be remembered (0: never offered).
  REMEMBER_DEVICE_MAX_DAYS: int(0, 365).default(30),
  MFA_MAX_FAILURES_PER_WINDOW: int(1, 1000).default(10),
  MFA_MAX_FAILURES_PER_IP: int(1, 100_000).default(100),
  MFA_FAILURE_WINDOW_SECONDS: int(1, 86_400).default(900),
  MFA_LOCKOUT_THRESHOLD: int(1, 100).default(100),
  // Enterprise SSO (F1): upstream discovery cache and HTTP deadline; http:// upstreams (default:
  // allowed outside production only).
  SSO_DISCOVERY_TTL_SECONDS: int(1, 86_400).default(300),
  SSO_HTTP_TIMEOUT_SECONDS: int(1, 120).default(10),
  SSO_ALLOW_HTTP: bool.optional(),
  // SMS (S2–S5). The provider defaults to messagebird in production and outbox elsewhere.
  SMS_PROVIDER: z.enum(['messagebird', 'outbox', 'log']).optional(),
  SMS_ALLOW_DEV_PROVIDER: bool.default(false),
  SMS_MESSAGEBIRD_ACCESS_KEY: z.string().optional(),
  SMS_ORIGINATORS: csv.optional(),
  SMS_OUTBOX_FILE: z.string().optional(),
  SMS_TIMEOUT_MS: int(100, 60_000).default(10_000),
  SMS_BLOCKED_COUNTRIES: z.string().optional(),
  SMS_CODE_TTL_SECONDS: int(1, 600).default(600),
  SMS_RESEND_SECONDS: int(1, 600).default(30),
  SMS_SEND_WINDOW_SECONDS: int(1, 86_400).default(3600),
  SMS_MAX_SENDS_PER_PHONE: int(1, 100_000).default(5),
  SMS_MAX_SENDS_PER_USER: int(1, 100_000).default(10),
  SMS_MAX_SENDS_PER_IP: int(1, 1_000_000).default(20),
  SMS_MAX_SENDS_PER_COUNTRY: int(1, 10_000_000).default(200),
  // Mail (U1). The provider defaults to smtp in production and outbox elsewhere.
  MAIL_PROVIDER: z.enum(['smtp', 'outbox']).optional(),
  MAIL_ALLOW_DEV_PROVIDER: bool.default(false),
  SMTP_URL: z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined)
    .pipe(z.string().url().optional())
    .refine(schemes(['smtp:', 'smtps:']), 'must be an smtp:// or smtps:// URL'),
  MAIL_FROM: z.string().max(320).optional(),
  MAIL_REPLY_TO: z.string().max(320).optional(),
  MAIL_OUTBOX_FILE: z.string().optional(),
  MAIL_SEND_WINDOW_SECONDS: int(1, 86_400).default(3600),
  MAIL_MAX_SENDS_PER_ADDRESS: int(1, 100_000).default(10),
  MAIL_MAX_SENDS_PER_USER: int(1, 100_000).default(20),
  MAIL_MAX_SENDS_PER_IP: int(1, 1_000_000).default(30),
  // Password recovery (U4): how long a recovery link works.
  RECOVERY_LINK_TTL_SECONDS: int(1, 86_400).default(1800),
  EMAIL_VERIFICATION_TTL_SECONDS: int(1, 7 * 86_400).default(86_400),
  INVITATION_TTL_SECONDS: int(1, 30 * 86_400).default(7 * 86_400),
});

export type Env = z.infer<typeof envSchema>;
