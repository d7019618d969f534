// The mailer port (U1): what Deadbolt needs from a mail provider, whichever it is. Adapters: SMTP
// through nodemailer (production, src/mail/smtp.ts) and the outbox file (development and tests).

export interface MailMessage {
  to: string;
  subject: string;
  /** Plain-text body; may carry a link token, so never logged. */
  text: string;
  html: string;
}

export interface Mailer {
  readonly name: 'smtp' | 'outbox';
  /** Resolves once the provider accepted the message; rejects with `MailSendError` otherwise. */
  send(msg: MailMessage): Promise<void>;
}

export type MailSendErrorKind = 'rejected' | 'unavailable';

const SAFE_MESSAGES: Record<MailSendErrorKind, string> = {
  rejected: 'The mail server refused the message.',
  unavailable: 'The mail server is unavailable.',
};

/**
 * A failed send. Its message is fixed per kind and safe to show and log: never the body (a link
 * token) nor the server's raw reply. No `cause`, so a serializer cannot reach the message either.
 */
export class MailSendError extends Error {
  readonly kind: MailSendErrorKind;
  /** SMTP reply code or network error code, when there was one. */
  readonly code: string | undefined;
  constructor(kind: MailSendErrorKind, code?: string) {
    super(SAFE_MESSAGES[kind]);
    this.name = 'MailSendError';
    this.kind = kind;
    this.code = code;
  }
}
