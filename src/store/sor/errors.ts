// Maps driver errors (pg, PGlite) to the port's errors: 23505 → ConflictError, a lost or refused
// connection → StoreUnavailableError('database'). Anything else passes through unchanged.

import { ConflictError, StoreUnavailableError } from '../ports.ts';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);
/** pg's error when a query outlives query_timeout (Z3: a hung server or network). */
export const QUERY_READ_TIMEOUT = 'Query read timeout';
// pg reports a lost connection, a pool checkout timeout and a query timeout by message only.
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|Query read timeout|not queryable/i;

function isUnavailable(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 4) return false;
  const code = (err as { code?: unknown }).code;
  // Class 08: connection exception.
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  if (UNAVAILABLE_MESSAGE.test(err.message)) return true;
  if (err instanceof AggregateError && err.errors.some((e) => isUnavailable(e, depth + 1))) return true;
  return isUnavailable(err.cause, depth + 1);
}

const CONFLICT_MESSAGES: Record<string, string> = {
  users_email_lower_key: 'e-mail address already registered',
  factors_one_totp_sms_per_user: 'a factor of this type is already enrolled',
  sso_links_pkey: 'this upstream account is already linked',
  sso_links_org_user_key: 'this user is already linked to another upstream account of the organization',
};

export function mapError(err: unknown): unknown {
  if (err instanceof ConflictError || err instanceof StoreUnavailableError) return err;
  if (err instanceof Error && (err as { code?: unknown }).code === '23505') {
    const constraint = (err as { constraint?: unknown }).constraint;
    const name = typeof constraint === 'string' ? constraint : '';
    return new ConflictError(
      CONFLICT_MESSAGES[name] ?? `unique constraint violated${name ? `: ${name}` : ''}`,
    );
  }
  if (isUnavailable(err)) return new StoreUnavailableError('database', err);
  return err;
}

/** Runs a database operation, rethrowing its failure through mapError. */
export async function run<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw mapError(err);
  }
}
