// Chooses the mail adapter from configuration (U1): SMTP in production, the outbox file elsewhere.
import type { Logger } from 'pino';
import type { MailSettings } from '../config/mail.ts';
import type { Mailer } from './mailer.ts';
import { createOutboxMailer } from './outbox.ts';
import { createSmtpMailer } from './smtp.ts';

export { type Mailer, type MailMessage, MailSendError } from './mailer.ts';
export { type MailOutboxEntry, readMailOutbox } from './outbox.ts';

export function createMailer(settings: MailSettings, logger: Logger): Mailer {
  const { from, replyTo } = settings;
  if (settings.provider === 'smtp') {
    if (!settings.smtpUrl) throw new Error('mail provider is smtp but no SMTP_URL is set');
    return createSmtpMailer({ transport: settings.smtpUrl, from, replyTo });
  }
  // The SMTP URL is never logged (it may hold credentials); the outbox path is.
  logger.warn(
    { mail: { provider: 'outbox', outboxFile: settings.outboxFile } },
    'mail provider is for development only: no mail is sent',
  );
  return createOutboxMailer({ file: settings.outboxFile, from, replyTo });
}
