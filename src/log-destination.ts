// Issue 16 item 12: where the server's log lines go. LOG_FORMAT=json (the production default) writes
// pino's JSON lines to stdout; LOG_FORMAT=pretty (the development default) formats them with
// pino-pretty in this process (a synchronous stream, so lines and the start-up banner keep their
// order and nothing is lost on exit). pino-pretty is a devDependency: after `npm ci --omit=dev` it is
// absent, and Deadbolt says so in one plain stderr line and logs JSON.
import type { DestinationStream } from 'pino';

export type LogFormat = 'pretty' | 'json';

/** undefined = pino's default destination (JSON lines on stdout). */
export async function openLogDestination(
  format: LogFormat,
  load: () => Promise<unknown> = () => import('pino-pretty'),
): Promise<DestinationStream | undefined> {
  if (format !== 'pretty') return undefined;
  try {
    const mod = (await load()) as { default: (options: object) => DestinationStream };
    return mod.default({
      sync: true,
      colorize: Boolean(process.stdout.isTTY),
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      singleLine: true,
    });
  } catch {
    process.stderr.write(
      'deadbolt: LOG_FORMAT=pretty but pino-pretty is not installed (a devDependency); logging JSON\n',
    );
    return undefined;
  }
}
