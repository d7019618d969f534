// Development/test mail adapter (U1), like the SMS outbox (src/sms/outbox.ts): every message is
// appended as one JSON line to a file, so tests read what a person "received". The file holds live
// recovery links: it is created readable by the owner only, and production refuses it by default.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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
  const { file, from } = options;
  const now = options.now ?? (() => new Date());
  let ready: Promise<unknown> | undefined;
  return {
    name: 'outbox',
    async send(msg) {
      const entry: MailOutboxEntry = {
        to: msg.to,
        from,
        replyTo: options.replyTo ?? null,
        subject: msg.subject,
        text: msg.text,
        html: msg.html,
        at: now().toISOString(),
      };
      ready ??= mkdir(dirname(file), { recursive: true });
      try {
        await ready;
      } catch (err) {
        ready = undefined; // retry the mkdir next time
        throw err;
      }
      // One write with O_APPEND per line: concurrent sends never interleave inside a line.
      await appendFile(file, `${JSON.stringify(entry)}\n`, { encoding: 'utf8', flag: 'a', mode: 0o600 });
    },
  };
}

/** All messages in the outbox, oldest first; `[]` when nothing was sent yet (no file). */
export async function readMailOutbox(file: string): Promise<MailOutboxEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: MailOutboxEntry[] = [];
  // The last piece has no newline yet: a line still being written (or ''), not read.
  for (const [i, line] of text.split('\n').slice(0, -1).entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`mail outbox ${file}: line ${i + 1} is not JSON`);
    }
    if (!isEntry(value)) throw new Error(`mail outbox ${file}: line ${i + 1} is not a message`);
    entries.push(value);
  }
  return entries;
}

function isEntry(value: unknown): value is MailOutboxEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['to', 'from', 'subject', 'text', 'html', 'at'].every((k) => typeof v[k] === 'string');
}
