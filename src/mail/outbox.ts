// Development/test mail adapter (U1), like the SMS outbox (src/sms/outbox.ts): every message is
// appended as one JSON line to a file (src/outbox/jsonl.ts), so tests read what a person
// "received". The file holds live recovery links; production refuses it by default.
import { hasStrings, jsonLinesFile, readJsonLines } from '../outbox/jsonl.ts';
import type { Mailer, MailMessage } from './mailer.ts';

export interface MailOutboxEntry extends MailMessage {
  from: string;
  replyTo: string | null;
  /** ISO 8601 time the message was written. */
  at: string;
}

export interface OutboxMailerOptions {
  file: string;
  from: string;
  replyTo?: string;
  now?: () => Date;
}

export function createOutboxMailer(options: OutboxMailerOptions): Mailer {
  const { from } = options;
  const now = options.now ?? (() => new Date());
  const out = jsonLinesFile<MailOutboxEntry>(options.file);
  return {
    name: 'outbox',
    async send(msg) {
      await out.append({
        to: msg.to,
        from,
        replyTo: options.replyTo ?? null,
        subject: msg.subject,
        text: msg.text,
        html: msg.html,
        at: now().toISOString(),
      });
    },
  };
}

const isEntry = (value: unknown): value is MailOutboxEntry =>
  hasStrings(value, ['to', 'from', 'subject', 'text', 'html', 'at']);

/** All messages in the outbox, oldest first; `[]` when nothing was sent yet (no file). */
export function readMailOutbox(file: string): Promise<MailOutboxEntry[]> {
  return readJsonLines(file, 'mail outbox', isEntry);
}
