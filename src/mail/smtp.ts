// Production mail adapter (U1): SMTP through nodemailer. The transport is nodemailer's own (an
// smtp:// URL in production; `streamTransport`/`jsonTransport` in tests, no network).
import nodemailer, { type Transporter } from 'nodemailer';
import { type Mailer, MailSendError } from './mailer.ts';

export interface SmtpMailerOptions {
  /** An smtp:// or smtps:// URL (credentials inside are never logged), or a nodemailer transporter. */
  transport: string | Transporter;
  from: string;
  replyTo?: string;
}

/** Network failures (the server cannot be reached) versus a server that answered "no". */
const NETWORK = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ETLS', 'EPROXY']);

export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const transporter =
    typeof options.transport === 'string'
      ? nodemailer.createTransport(options.transport, { disableFileAccess: true, disableUrlAccess: true })
      : options.transport;
  return {
    name: 'smtp',
    async send(msg) {
      try {
        await transporter.sendMail({
          from: options.from,
          replyTo: options.replyTo,
          to: msg.to,
          subject: msg.subject,
          text: msg.text,
          html: msg.html,
          disableFileAccess: true,
          disableUrlAccess: true,
        });
      } catch (err) {
        const e = err as { code?: string; responseCode?: number };
        if (typeof e.responseCode === 'number') throw new MailSendError('rejected', String(e.responseCode));
        const code = typeof e.code === 'string' ? e.code : undefined;
        throw new MailSendError(code && !NETWORK.has(code) ? 'rejected' : 'unavailable', code);
      }
    },
  };
}
