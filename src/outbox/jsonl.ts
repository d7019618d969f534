// The development outboxes' file (SMS S3, mail U1): one JSON line a message, appended, read back
// in order. The file holds live codes and links, so it is created readable by the owner only.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface JsonLinesFile<T> {
  append(entry: T): Promise<void>;
}

export function jsonLinesFile<T>(file: string): JsonLinesFile<T> {
  let ready: Promise<unknown> | undefined;
  return {
    async append(entry) {
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

/**
 * Every entry of the file, oldest first; `[]` when nothing was written yet (no file). `what` names
 * the file in errors ("SMS outbox"); a line that is not JSON or fails `isEntry` is an error.
 */
export async function readJsonLines<T>(
  file: string,
  what: string,
  isEntry: (value: unknown) => value is T,
): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: T[] = [];
  // The last piece has no newline yet: a line still being written (or ''), not read.
  for (const [i, line] of text.split('\n').slice(0, -1).entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`${what} ${file}: line ${i + 1} is not JSON`);
    }
    if (!isEntry(value)) throw new Error(`${what} ${file}: line ${i + 1} is not a message`);
    entries.push(value);
  }
  return entries;
}

/** True for an object whose `keys` are all strings. */
export function hasStrings(value: unknown, keys: readonly string[]): value is Record<string, string> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return keys.every((k) => typeof v[k] === 'string');
}
