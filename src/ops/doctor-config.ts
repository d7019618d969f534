// A6: `deadbolt doctor`, the configuration part — checks of the environment itself, run before
// (and independently of) loadConfig, so every problem is named at once rather than the first one.
import { readFileSync } from 'node:fs';

export type Status = 'ok' | 'warn' | 'fail';

export interface Check {
  name: string;
  status: Status;
  message: string;
  /** What to do, for warn and fail. */
  fix?: string;
}

type Env = Record<string, string | undefined>;

const ok = (name: string, message: string): Check => ({ name, status: 'ok', message });
const bad = (status: Status, name: string, message: string, fix: string): Check => ({
  name,
  status,
  message,
  fix,
});

/** A key is weak when short or of few distinct characters (e.g. "aaaa…", "changeme…"). */
function weakKey(key: string): string | undefined {
  if (key.length < 32) return `a key of ${key.length} characters (at least 32)`;
  if (new Set(key).size < 16) return 'a key of fewer than 16 distinct characters';
  return undefined;
}

function cookieKeys(env: Env, production: boolean): Check {
  const keys = (env.COOKIE_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const fix = 'set COOKIE_KEYS to one or more random keys, e.g. `openssl rand -base64 48`, newest first';
  if (keys.length === 0)
    return production
      ? bad('fail', 'COOKIE_KEYS', 'not set', fix)
      : bad('warn', 'COOKIE_KEYS', 'not set: development keys generated under DATA_DIR are used', fix);
  const weak = keys.map(weakKey).find(Boolean);
  if (weak) return bad('fail', 'COOKIE_KEYS', `weak: ${weak}`, fix);
  return ok('COOKIE_KEYS', `${keys.length} key(s), each at least 32 characters`);
}

function factorKeys(env: Env, production: boolean): Check {
  const fix = 'put `npx deadbolt keys generate` output (.entry) in FACTOR_ENCRYPTION_KEYS, current key first';
  const spec = env.FACTOR_ENCRYPTION_KEYS?.trim();
  if (!spec)
    return production
      ? bad('fail', 'FACTOR_ENCRYPTION_KEYS', 'not set: TOTP and SSO secrets cannot be sealed', fix)
      : bad('warn', 'FACTOR_ENCRYPTION_KEYS', 'not set: a development key under DATA_DIR is used', fix);
  const entries = spec.split(',').map((e) => e.trim());
  const short = entries.filter((e) => Buffer.from(e.split(':')[1] ?? '', 'base64url').length !== 32);
  if (short.length > 0)
    return bad('fail', 'FACTOR_ENCRYPTION_KEYS', 'an entry is not kid:<32 bytes base64url>', fix);
  return ok('FACTOR_ENCRYPTION_KEYS', `${entries.length} key(s) of 256 bits`);
}

function jwks(env: Env, production: boolean): Check {
  const fix = 'set JWKS_FILE to a file of private signing keys {"keys":[…]} (RS256 or ES256)';
  if (!env.JWKS_FILE)
    return production
      ? bad('fail', 'JWKS_FILE', 'not set: no signing keys', fix)
      : bad('warn', 'JWKS_FILE', 'not set: a development key under DATA_DIR is used', fix);
  try {
    const parsed = JSON.parse(readFileSync(env.JWKS_FILE, 'utf8')) as { keys?: Array<{ d?: string }> };
    const keys = parsed.keys ?? [];
    if (keys.length === 0 || keys.some((k) => !k.d))
      return bad('fail', 'JWKS_FILE', 'holds no keys, or a public key without its private part', fix);
    return ok('JWKS_FILE', `${keys.length} private signing key(s)`);
  } catch (err) {
    return bad(
      'fail',
      'JWKS_FILE',
      `unreadable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      fix,
    );
  }
}

function issuer(env: Env, production: boolean): Check {
  const value = env.ISSUER;
  if (!value)
    return production
      ? bad('fail', 'ISSUER', 'not set', 'set ISSUER to the public https URL, e.g. https://id.example.com')
      : bad('warn', 'ISSUER', `not set: http://localhost:${env.PORT ?? 3000} is used`, 'set ISSUER');
  if (production && !value.startsWith('https://'))
    return bad(
      'fail',
      'ISSUER',
      `${value} is not https`,
      'serve the issuer over https (TLS at the proxy) and set ISSUER=https://…',
    );
  return ok('ISSUER', value);
}

function trustProxy(env: Env, production: boolean): Check {
  const on = /^(1|true|yes|on)$/i.test(env.TRUST_PROXY ?? '');
  const https = (env.ISSUER ?? '').startsWith('https://');
  if (production && https && !on)
    return bad(
      'fail',
      'TRUST_PROXY',
      'off, but the https ISSUER means a TLS proxy in front: rate limits and the audit log would see only the proxy address',
      'set TRUST_PROXY=true when (and only when) a proxy you run sets X-Forwarded-For',
    );
  if (on && !https)
    return bad(
      'warn',
      'TRUST_PROXY',
      'on without an https ISSUER: any client can set X-Forwarded-For if no proxy overwrites it',
      'turn TRUST_PROXY off unless a proxy you run sets X-Forwarded-For',
    );
  return ok('TRUST_PROXY', on ? 'on (behind a proxy)' : 'off');
}

function sms(env: Env, production: boolean): Check {
  const provider = env.SMS_PROVIDER ?? (production ? 'messagebird' : 'outbox');
  if (provider !== 'messagebird')
    return production
      ? bad(
          'fail',
          'SMS_PROVIDER',
          `${provider} sends no real SMS`,
          'set SMS_PROVIDER=messagebird with its access key',
        )
      : ok('SMS_PROVIDER', `${provider} (development: no real SMS)`);
  if (!env.SMS_MESSAGEBIRD_ACCESS_KEY?.trim())
    return bad(
      'fail',
      'SMS_PROVIDER',
      'messagebird without SMS_MESSAGEBIRD_ACCESS_KEY',
      'set SMS_MESSAGEBIRD_ACCESS_KEY',
    );
  if (production && !env.SMS_ORIGINATORS?.trim())
    return bad(
      'fail',
      'SMS_PROVIDER',
      'messagebird without SMS_ORIGINATORS',
      'set SMS_ORIGINATORS to your short codes',
    );
  return ok('SMS_PROVIDER', 'messagebird');
}

function mail(env: Env, production: boolean): Check {
  const provider = env.MAIL_PROVIDER ?? (production ? 'smtp' : 'outbox');
  if (provider !== 'smtp')
    return production
      ? bad(
          'fail',
          'MAIL_PROVIDER',
          `${provider} sends no real e-mail: no recovery links, no security notices (U1, U6)`,
          'set MAIL_PROVIDER=smtp with SMTP_URL and MAIL_FROM',
        )
      : ok('MAIL_PROVIDER', `${provider} (development: no real e-mail)`);
  if (!env.SMTP_URL?.trim() || !env.MAIL_FROM?.trim())
    return bad('fail', 'MAIL_PROVIDER', 'smtp without SMTP_URL or MAIL_FROM', 'set SMTP_URL and MAIL_FROM');
  return ok('MAIL_PROVIDER', 'smtp');
}

export function configChecks(env: Env): Check[] {
  const production = env.NODE_ENV === 'production';
  return [issuer, cookieKeys, factorKeys, jwks, trustProxy, sms, mail].map((check) => check(env, production));
}
