// A3: `deadbolt --url … sso show|set|remove` — the SSO connection through the running server's
// admin API (/admin/v1/organizations/{orgId}/sso, A1). Same flags as against the store
// (./sso.ts parseSet); the connection's client secret is the line of stdin after the API secret.
import { flags, print, required, UsageError } from './args.ts';
import type { AdminCall } from './port-http.ts';
import { parseSet, SSO_USAGE } from './sso.ts';

export async function ssoRemoteCommand(
  call: AdminCall,
  sub: string | undefined,
  argv: string[],
): Promise<void> {
  const path = (orgId: string) => `/organizations/${encodeURIComponent(orgId)}/sso`;
  if (sub === 'show' || sub === 'remove') {
    const orgId = required(flags(argv, { org: { type: 'string' } }), 'org');
    if (sub === 'show') return print({ org: { id: orgId }, sso: (await call('GET', path(orgId))).body });
    await call('DELETE', path(orgId));
    return print({ org: { id: orgId }, removed: true });
  }
  if (sub !== 'set') throw new UsageError(SSO_USAGE);
  const { orgId, input } = await parseSet(argv);
  const domains = input.domains
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  const body = { ...input, domains };
  if (body.clientSecret === undefined) delete (body as { clientSecret?: unknown }).clientSecret;
  if (body.scopes === undefined) delete (body as { scopes?: unknown }).scopes;
  print({ org: { id: orgId }, sso: (await call('PUT', path(orgId), body)).body });
}
