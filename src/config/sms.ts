// The SMS part of the configuration (S2–S5): provider, originator pool, blocked countries, code
// lifetime, resend wait and send budgets. Called by loadConfig, which turns a thrown Error into a
// ConfigError naming the variable.
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CountryCode, isSupportedCountry } from 'libphonenumber-js/max';
import { DEFAULT_BLOCKED_COUNTRIES } from '../mfa/sms/phone.ts';
import { checkOriginatorPool, type SmsProviderName } from '../sms/sender.ts';
import type { Env } from './schema.ts';

export interface SmsSettings {
  provider: SmsProviderName;
  /** MessageBird access key (never logged). */
  accessKey: string | undefined;
  /** Short codes a message is sent from, one picked at random per message (S3). */
  originators: string[];
  /** JSONL file of the outbox provider. */
  outboxFile: string;
  timeoutMs: number;
  /** ISO 3166-1 alpha-2 codes SMS codes are never sent to (S2). */
  blockedCountries: CountryCode[];
  /** A code is accepted up to this long after it was first sent (S4, NIST 800-63B: ≤ 10 min). */
  codeTtlSeconds: number;
  /** A resend is refused until this long after the previous send (S3: 30 s). */
  resendSeconds: number;
  /** Send budgets per window (S4: SMS pumping fraud). */
  limits: {
    windowSeconds: number;
    perPhone: number;
    perUser: number;
    perIp: number;
    perCountry: number;
  };
}

/** Development pool; production sets SMS_ORIGINATORS to the short codes it rents. */
const DEV_ORIGINATORS = ['10001', '10002', '10003'];

export function smsSettings(env: Env): SmsSettings {
  const production = env.NODE_ENV === 'production';
  const provider: SmsProviderName = env.SMS_PROVIDER ?? (production ? 'messagebird' : 'outbox');
  if (production && provider !== 'messagebird' && !env.SMS_ALLOW_DEV_PROVIDER) {
    throw new Error(
      `SMS_PROVIDER=${provider} sends no real SMS and is refused when NODE_ENV=production ` +
        '(use messagebird, or set SMS_ALLOW_DEV_PROVIDER=true on purpose)',
    );
  }
  const accessKey = env.SMS_MESSAGEBIRD_ACCESS_KEY?.trim() || undefined;
  if (provider === 'messagebird' && !accessKey) {
    throw new Error('SMS_MESSAGEBIRD_ACCESS_KEY is required when SMS_PROVIDER=messagebird');
  }
  const configured = env.SMS_ORIGINATORS?.length ? env.SMS_ORIGINATORS : undefined;
  if (production && provider === 'messagebird' && !configured) {
    throw new Error('SMS_ORIGINATORS is required when SMS_PROVIDER=messagebird in production');
  }
  const originators = configured ?? DEV_ORIGINATORS;
  try {
    checkOriginatorPool(originators);
  } catch (err) {
    throw new Error(`SMS_ORIGINATORS: ${(err as Error).message}`);
  }
  return {
    provider,
    accessKey,
    originators,
    outboxFile:
      env.SMS_OUTBOX_FILE?.trim() ||
      (env.DATA_DIR === ':memory:'
        ? join(tmpdir(), `deadbolt-sms-outbox-${randomBytes(6).toString('hex')}.jsonl`)
        : join(env.DATA_DIR, 'sms-outbox.jsonl')),
    timeoutMs: env.SMS_TIMEOUT_MS,
    blockedCountries: parseBlockedCountries(env.SMS_BLOCKED_COUNTRIES),
    codeTtlSeconds: env.SMS_CODE_TTL_SECONDS,
    resendSeconds: env.SMS_RESEND_SECONDS,
    limits: {
      windowSeconds: env.SMS_SEND_WINDOW_SECONDS,
      perPhone: env.SMS_MAX_SENDS_PER_PHONE,
      perUser: env.SMS_MAX_SENDS_PER_USER,
      perIp: env.SMS_MAX_SENDS_PER_IP,
      perCountry: env.SMS_MAX_SENDS_PER_COUNTRY,
    },
  };
}

/**
 * `CN,RU,…` (case-insensitive). Unset or empty keeps the default list; `none` blocks nothing (an
 * empty value left in an .env file must not silently unblock every country).
 */
export function parseBlockedCountries(value: string | undefined): CountryCode[] {
  const text = value?.trim() ?? '';
  if (text === '') return [...DEFAULT_BLOCKED_COUNTRIES];
  if (text.toLowerCase() === 'none') return [];
  const codes = text
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  for (const code of codes) {
    if (!/^[A-Z]{2}$/.test(code) || !isSupportedCountry(code)) {
      throw new Error(
        `SMS_BLOCKED_COUNTRIES: ${JSON.stringify(code)} is not an ISO 3166-1 alpha-2 country code`,
      );
    }
  }
  return [...new Set(codes)] as CountryCode[];
}
