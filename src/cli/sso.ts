// CLI: an organization's enterprise SSO connection (F1). The client secret is read from stdin only
// and sealed at rest (AES-256-GCM under FACTOR_ENCRYPTION_KEYS, AAD sso:<orgId>); it is never
// printed. `show` and `set` report whether upstream discovery works now, with the reason if not.
import type { Config } from '../config/index.ts';
import { removeSsoConnection, SsoDomainTakenError, setSsoConnection } from '../sso/connection.ts';
import { ssoOverview } from '../sso/overview.ts';
import { SsoSettingsError } from '../sso/settings.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import type { Organization } from '../store/records.ts';
import { flags, print, readStdin, required, UsageError } from './args.ts';

const USAGE = `sso set --org ID --issuer URL --client-id ID [--client-secret-stdin | --public-client]
        --domains a.com,b.com [--scopes "openid email profile"] [--enforced]
        [--trust-upstream-mfa-only] [--jit]
    Connects (or replaces the connection of) an organization to an upstream OpenID provider.
    Without --client-secret-stdin the stored secret is kept; --public-client drops it (PKCE only).
    --enforced: members must sign in through SSO (no password), and it exempts them from MFA on
    this organization's behalf (P2); --trust-upstream-mfa-only: only when the upstream reports MFA;
    --jit: create a member at the first sign-in of an unknown e-mail (off by default).
sso show --org ID
sso remove --org ID`;

const CLI = { actorUserId: null, actorLabel: 'cli' };

/** The flags of `sso set`, the client secret read from stdin (shared by the store and --url modes). */
export async function parseSet(argv: string[]) {
  const f = flags(argv, {
    org: { type: 'string' },
    issuer: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret-stdin': { type: 'boolean' },
    'public-client': { type: 'boolean' },
    domains: { type: 'string' },
    scopes: { type: 'string' },
    enforced: { type: 'boolean' },
    'trust-upstream-mfa-only': { type: 'boolean' },
    jit: { type: 'boolean' },
  });
  if (f['client-secret-stdin'] && f['public-client'])
    throw new UsageError('--client-secret-stdin and --public-client exclude each other');
  let clientSecret: string | null | undefined;
  if (f['client-secret-stdin']) {
    clientSecret = (await readStdin()).trim();
    if (!clientSecret) throw new UsageError('--client-secret-stdin: no secret on stdin');
  } else if (f['public-client']) clientSecret = null;

  return {
    orgId: required(f, 'org'),
    input: {
      issuer: required(f, 'issuer'),
      clientId: required(f, 'client-id'),
      clientSecret,
      scopes: typeof f.scopes === 'string' ? f.scopes : undefined,
      domains: required(f, 'domains'),
      trustUpstreamMfaOnly: f['trust-upstream-mfa-only'] === true,
      jitProvisioning: f.jit === true,
      enforced: f.enforced === true,
    },
  };
}

async function findOrg(sor: SystemOfRecord, id: string): Promise<Organization> {
  const org = await sor.findOrgById(id).catch(() => undefined);
  if (!org) throw new UsageError(`no organization ${id}`);
  return org;
}

async function show(config: Config, org: Organization) {
  return { org: { id: org.id, name: org.name, plan: org.plan }, sso: await ssoOverview(config, org) };
}

export const SSO_USAGE = USAGE;

export async function ssoCommand(
  sor: SystemOfRecord,
  config: Config,
  sub: string | undefined,
  argv: string[],
): Promise<void> {
  if (sub === 'show') {
    const f = flags(argv, { org: { type: 'string' } });
    return print(await show(config, await findOrg(sor, required(f, 'org'))));
  }
  if (sub === 'remove') {
    const f = flags(argv, { org: { type: 'string' } });
    const org = await findOrg(sor, required(f, 'org'));
    const result = await removeSsoConnection(sor, org, CLI);
    return print({ org: { id: org.id, name: org.name }, ...result });
  }
  if (sub !== 'set') throw new UsageError(USAGE);

  const { orgId, input } = await parseSet(argv);
  const org = await findOrg(sor, orgId);
  let linksRemoved: number;
  try {
    ({ linksRemoved } = await setSsoConnection(sor, config, org, input, CLI));
  } catch (err) {
    if (err instanceof SsoSettingsError || err instanceof SsoDomainTakenError)
      throw new UsageError(err.message);
    throw err;
  }
  const updated = await findOrg(sor, org.id);
  print({ ...(await show(config, updated)), linksRemoved });
}
