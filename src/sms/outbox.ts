// Development/test SMS adapter (S3): every message is appended as one JSON line to a file
// (src/outbox/jsonl.ts), so end-to-end tests can read the code a user "received". The file holds
// live codes: this adapter must not be configured in production.
import { hasStrings, jsonLinesFile, readJsonLines } from '../outbox/jsonl.ts';
import {
  checkOriginatorPool,
  pickOriginator,
  type SmsMessage,
  type SmsSender,
  type SmsSendResult,
} from './sender.ts';

export interface OutboxEntry {
  to: string;
  originator: string;
  body: string;
  /** ISO 8601 time the message was written. */
  at: string;
}

export interface OutboxSenderOptions {
  file: string;
  originators: readonly string[];
  now?: () => Date;
  /** For tests: source of randomness for the originator pick, in [0, 1). */
  random?: () => number;
}

export function createOutboxSender(options: OutboxSenderOptions): SmsSender {
  const pool = checkOriginatorPool(options.originators);
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const out = jsonLinesFile<OutboxEntry>(options.file);
  return {
    name: 'outbox',
    async send(msg: SmsMessage): Promise<SmsSendResult> {
      const originator = pickOriginator(pool, random);
      await out.append({ to: msg.to, originator, body: msg.body, at: now().toISOString() });
      return { originator };
    },
  };
}

const isEntry = (value: unknown): value is OutboxEntry =>
  hasStrings(value, ['to', 'originator', 'body', 'at']);

/** All messages in the outbox, oldest first; `[]` when nothing was sent yet (no file). */
export async function readOutbox(file: string): Promise<OutboxEntry[]> {
  const entries = await readJsonLines(file, 'SMS outbox', isEntry);
  return entries.map(({ to, originator, body, at }) => ({ to, originator, body, at }));
}
