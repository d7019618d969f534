// A1: authentication of the admin API. A caller presents an OAuth 2.0 client-credentials access
// token issued by Deadbolt itself (`grant_type=client_credentials` at the token endpoint, opaque);
// it is looked up with provider.ClientCredentials.find. The client must still exist and still list
// the route's scope in its registered `scope` (so removing a client or a scope takes effect at
// once), and a client with `admin_org_ids` may act only on those organizations.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { RateLimiter } from '../store/ports.ts';
import { Problem } from './problem.ts';

export const ADMIN_SCOPES = ['admin:read', 'admin:write', 'admin:mfa-reset'] as const;
export type AdminScope = (typeof ADMIN_SCOPES)[number];

export interface AdminCaller {
  clientId: string;
  scopes: Set<string>;
  /** undefined: every organization. */
  orgIds: string[] | undefined;
}

const challenge = (error?: string, scope?: string) =>
  `Bearer realm="deadbolt-admin"${error ? `, error="${error}"` : ''}${scope ? `, scope="${scope}"` : ''}`;

export function unauthorized(detail: string, error?: string): Problem {
  return new Problem(401, 'unauthorized', detail, { 'www-authenticate': challenge(error) });
}

function bearerOf(ctx: Context): string {
  const header = ctx.get('authorization');
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
  if (!header) throw unauthorized('an access token is required (Authorization: Bearer …)');
  if (!match) throw unauthorized('malformed Authorization header', 'invalid_request');
  return match[1];
}

/** The caller of this request, or a 401 problem. */
export async function authenticate(provider: Provider, ctx: Context): Promise<AdminCaller> {
  const token = await provider.ClientCredentials.find(bearerOf(ctx));
  if (!token || token.isExpired)
    throw unauthorized('the access token is invalid or expired', 'invalid_token');
  const client = await provider.Client.find(token.clientId as string);
  if (!client) throw unauthorized('the client of this token no longer exists', 'invalid_token');
  const registered = new Set(String(client.scope ?? '').split(' '));
  const scopes = new Set(
    String(token.scope ?? '')
      .split(' ')
      .filter((s) => registered.has(s)),
  );
  const orgIds = client.admin_org_ids as string[] | undefined;
  return { clientId: client.clientId, scopes, orgIds };
}

export function requireScope(caller: AdminCaller, scope: AdminScope): void {
  if (caller.scopes.has(scope)) return;
  throw new Problem(403, 'insufficient_scope', `this route needs the scope ${scope}`, {
    'www-authenticate': challenge('insufficient_scope', scope),
  });
}

/** A1: organization limits of the client (admin_org_ids). */
export function requireOrg(caller: AdminCaller, orgId: string): void {
  if (!caller.orgIds || caller.orgIds.includes(orgId)) return;
  throw new Problem(403, 'forbidden_organization', `this client may not act on organization ${orgId}`);
}

/** Routes that are not about one organization (clients, all users) need an unlimited client. */
export function requireUnlimited(caller: AdminCaller): void {
  if (!caller.orgIds) return;
  throw new Problem(403, 'forbidden_organization', 'this client is limited to given organizations');
}

export async function rateLimit(limiter: RateLimiter, caller: AdminCaller): Promise<void> {
  const r = await limiter.consume(caller.clientId);
  if (r.allowed) return;
  throw new Problem(429, 'rate_limited', 'too many admin API calls by this client; retry later', {
    'retry-after': String(Math.max(1, r.retryAfterSeconds)),
  });
}
