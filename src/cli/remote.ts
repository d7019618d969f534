// A3: API mode of the CLI. `deadbolt --url URL --client-id ID --client-secret-stdin <group> …` (or
// DEADBOLT_URL, DEADBOLT_CLIENT_ID, DEADBOLT_CLIENT_SECRET) sends the command to a running server's
// admin API (/admin/v1, A1) with a client-credentials token from that server's token endpoint. A
// secret is never taken from the command line. Problem details become CLI messages and exit codes:
// 401/403 → 3, 404 and other 4xx → 2, 409 and 5xx → 1.
import * as oidc from 'openid-client';
import { readStdinLine, UsageError } from './args.ts';

export interface RemoteTarget {
  url: URL;
  clientId: string;
  secret: () => Promise<string>;
}

/** An error of the admin API or its token endpoint, with the exit code it maps to. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function exitCodeOf(status: number): number {
  if (status === 401 || status === 403) return 3;
  if (status === 409 || status >= 500) return 1;
  return status >= 400 ? 2 : 1;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const GLOBAL = new Set(['--url', '--client-id', '--client-secret-stdin']);

/** Splits the leading global options (API mode) from `<group> <command> [flags]`. */
export function parseGlobal(
  argv: string[],
  env: NodeJS.ProcessEnv,
): { target: RemoteTarget | undefined; rest: string[] } {
  const opts: Record<string, string | true> = {};
  let i = 0;
  for (; i < argv.length && GLOBAL.has((argv[i] ?? '').split('=')[0] ?? ''); i++) {
    const [name, inline] = (argv[i] as string).split(/=(.*)/s, 2) as [string, string | undefined];
    if (name === '--client-secret-stdin') opts[name] = true;
    else {
      const value = inline ?? argv[++i];
      if (!value || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
      opts[name] = value;
    }
  }
  if (argv.slice(i).includes('--client-secret')) {
    throw new UsageError('a client secret is never given on the command line: use --client-secret-stdin');
  }
  const url = (opts['--url'] as string | undefined) ?? env.DEADBOLT_URL;
  if (!url) {
    if (opts['--client-id'] || opts['--client-secret-stdin'])
      throw new UsageError('--client-id and --client-secret-stdin go with --url (or DEADBOLT_URL)');
    return { target: undefined, rest: argv.slice(i) };
  }
  const clientId = (opts['--client-id'] as string | undefined) ?? env.DEADBOLT_CLIENT_ID;
  if (!clientId) throw new UsageError('--url needs --client-id (or DEADBOLT_CLIENT_ID)');
  const fromEnv = env.DEADBOLT_CLIENT_SECRET;
  if (!opts['--client-secret-stdin'] && !fromEnv)
    throw new UsageError('--url needs --client-secret-stdin (or DEADBOLT_CLIENT_SECRET)');
  let read: Promise<string> | undefined;
  const secret = opts['--client-secret-stdin']
    ? () => (read ??= readStdinLine())
    : async () => fromEnv as string;
  return { target: { url: issuerUrl(url), clientId, secret }, rest: argv.slice(i) };
}

function issuerUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url ${value} is not a URL`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return url;
  throw new UsageError('--url must be https:// (http:// only for a loopback address such as localhost)');
}

/** A client-credentials token for these scopes (openid-client: discovery, then the grant). */
export async function tokenFor(target: RemoteTarget, scope: string): Promise<string> {
  const insecure = target.url.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {};
  const secret = await target.secret();
  if (!secret) throw new UsageError('the client secret read from stdin is empty');
  let config: oidc.Configuration;
  try {
    config = await oidc.discovery(target.url, target.clientId, secret, undefined, insecure);
  } catch (err) {
    throw new ApiError(`cannot reach ${target.url.href}: ${(err as Error).message}`, 1);
  }
  try {
    return (await oidc.clientCredentialsGrant(config, { scope })).access_token;
  } catch (err) {
    throw tokenError(target, scope, err);
  }
}

function tokenError(target: RemoteTarget, scope: string, err: unknown): ApiError {
  // ResponseBodyError (an OAuth error body) or WWWAuthenticateChallengeError (a 401 with a challenge).
  const e = err as { error?: string; error_description?: string; status?: number; cause?: unknown };
  const challenge = Array.isArray(e.cause)
    ? (e.cause[0] as { parameters?: Record<string, string> } | undefined)?.parameters
    : undefined;
  const code = e.error ?? challenge?.error;
  const description = e.error_description ?? challenge?.error_description;
  const why = description ? ` (${description})` : '';
  if (code === 'invalid_client' || e.status === 401)
    return new ApiError(
      `401 unauthorized: client ${target.clientId} was refused by the token endpoint${why}; check the client id and secret`,
      3,
    );
  if (code === 'invalid_scope' || code === 'unauthorized_client')
    return new ApiError(
      `403 forbidden: client ${target.clientId} may not have the scope(s) ${scope}${why}; ` +
        'give it those admin scopes (`deadbolt client add … --admin-scopes`, or the admin API)',
      3,
    );
  if (code) return new ApiError(`token endpoint: ${code}${why}`, exitCodeOf(e.status ?? 400));
  return new ApiError(`token endpoint of ${target.url.href}: ${(err as Error).message}`, 1);
}
