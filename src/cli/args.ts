// Small helpers shared by CLI commands: typed flags, JSON output, usage errors.
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

export type Flags = Record<string, string | boolean | string[] | undefined>;

export function flags(
  argv: string[],
  spec: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>,
): Flags {
  try {
    return parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false }).values as Flags;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function required(f: Flags, name: string): string {
  const v = f[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

let stdin: Promise<string> | undefined;

/** What is left of stdin (after a line taken by readStdinLine), without its final newline. */
export async function readStdin(): Promise<string> {
  stdin ??= readAll();
  return (await stdin).replace(/\r?\n$/, '');
}

/**
 * The first line of stdin; the rest stays for readStdin (A3: with `--client-secret-stdin` the
 * client secret is the first line, e.g. a password for `--password-stdin` the second).
 */
export async function readStdinLine(): Promise<string> {
  stdin ??= readAll();
  const all = await stdin;
  const end = all.indexOf('\n');
  stdin = Promise.resolve(end === -1 ? '' : all.slice(end + 1));
  return (end === -1 ? all : all.slice(0, end)).replace(/\r$/, '');
}

async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
