// Development/test SMS adapter (S3): every message is appended as one JSON line to a file, so
// end-to-end tests can read the code a user "received". The file holds live codes: it is created
// readable by the owner only, and this adapter must not be configured in production.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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
  const { file } = options;
  const pool = checkOriginatorPool(options.originators);
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  let ready: Promise<unknown> | undefined;

  return {
    name: 'outbox',
    async send(msg: SmsMessage): Promise<SmsSendResult> {
      const originator = pickOriginator(pool, random);
      const entry: OutboxEntry = { to: msg.to, originator, body: msg.body, at: now().toISOString() };
      ready ??= mkdir(dirname(file), { recursive: true });
      try {
        await ready;
      } catch (err) {
        ready = undefined; // retry the mkdir next time
        throw err;
      }
      // One write with O_APPEND per line: concurrent sends never interleave inside a line.
      await appendFile(file, `${JSON.stringify(entry)}\n`, { encoding: 'utf8', flag: 'a', mode: 0o600 });
      return { originator };
    },
  };
}

/** All messages in the outbox, oldest first; `[]` when nothing was sent yet (no file). */
export async function readOutbox(file: string): Promise<OutboxEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: OutboxEntry[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`SMS outbox ${file}: line ${i + 1} is not JSON`);
    }
    if (!isOutboxEntry(value)) throw new Error(`SMS outbox ${file}: line ${i + 1} is not a message`);
    entries.push({ to: value.to, originator: value.originator, body: value.body, at: value.at });
  }
  return entries;
}

function isOutboxEntry(value: unknown): value is OutboxEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.to === 'string' &&
    typeof v.originator === 'string' &&
    typeof v.body === 'string' &&
    typeof v.at === 'string'
  );
}
