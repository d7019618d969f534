// The mail part of the configuration (U1): provider (SMTP in production, the outbox file
// elsewhere), sender addresses and send budgets. Called by loadConfig, which turns a thrown Error
// into a ConfigError naming the variable.
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from './schema.ts';

export type MailProviderName = 'smtp' | 'outbox';

export interface MailSettings {
  provider: MailProviderName;
  /** SMTP server URL (may carry credentials: never logged). */
  smtpUrl: string | undefined;
  from: string;
  replyTo: string | undefined;
  /** JSONL file of the outbox provider. */
  outboxFile: string;
  /** Send budgets per window, per address, per user and per client IP. */
  limits: { windowSeconds: number; perAddress: number; perUser: number; perIp: number };
  /** U4: lifetime of a password recovery link. */
  recoveryTtlSeconds: number;
  /** U5: lifetime of an e-mail verification link. */
  verificationTtlSeconds: number;
  /** U2: lifetime of an invitation link. */
  invitationTtlSeconds: number;
}

export function mailSettings(env: Env): MailSettings {
  const production = env.NODE_ENV === 'production';
  const provider: MailProviderName = env.MAIL_PROVIDER ?? (production ? 'smtp' : 'outbox');
  if (production && provider !== 'smtp' && !env.MAIL_ALLOW_DEV_PROVIDER) {
    throw new Error(
      `MAIL_PROVIDER=${provider} sends no real mail and is refused when NODE_ENV=production ` +
        '(use smtp, or set MAIL_ALLOW_DEV_PROVIDER=true on purpose)',
    );
  }
  if (provider === 'smtp' && !env.SMTP_URL) throw new Error('SMTP_URL is required when MAIL_PROVIDER=smtp');
  const from = env.MAIL_FROM?.trim() || undefined;
  if (production && provider === 'smtp' && !from) {
    throw new Error('MAIL_FROM is required when MAIL_PROVIDER=smtp in production');
  }
  return {
    provider,
    smtpUrl: env.SMTP_URL,
    from: from ?? 'Deadbolt <no-reply@localhost>',
    replyTo: env.MAIL_REPLY_TO?.trim() || undefined,
    outboxFile:
      env.MAIL_OUTBOX_FILE?.trim() ||
      (env.DATA_DIR === ':memory:'
        ? join(tmpdir(), `deadbolt-mail-outbox-${randomBytes(6).toString('hex')}.jsonl`)
        : join(env.DATA_DIR, 'mail-outbox.jsonl')),
    limits: {
      windowSeconds: env.MAIL_SEND_WINDOW_SECONDS,
      perAddress: env.MAIL_MAX_SENDS_PER_ADDRESS,
      perUser: env.MAIL_MAX_SENDS_PER_USER,
      perIp: env.MAIL_MAX_SENDS_PER_IP,
    },
    recoveryTtlSeconds: env.RECOVERY_LINK_TTL_SECONDS,
    verificationTtlSeconds: env.EMAIL_VERIFICATION_TTL_SECONDS,
    invitationTtlSeconds: env.INVITATION_TTL_SECONDS,
  };
}
