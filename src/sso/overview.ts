// An organization's SSO connection as operators and owners see it (CLI `sso show`, the
// organization page): the settings without the secret, the redirect URI to register upstream, and
// whether discovery works now — a broken connection is shown with its reason (F1).
import type { Config } from '../config/index.ts';
import type { Organization } from '../store/records.ts';
import { discover } from './discovery.ts';
import { callbackUrl, publicSettings } from './settings.ts';

export type SsoOverview =
  | { connected: false }
  | (NonNullable<ReturnType<typeof publicSettings>> & {
      connected: true;
      redirectUri: string;
      status: 'ok' | 'broken';
      reason: string | null;
      checkedAt: string;
    });

export async function ssoOverview(
  config: Pick<Config, 'issuer' | 'factorKeys' | 'sso'>,
  org: Pick<Organization, 'id' | 'ssoEnforced' | 'sso'>,
): Promise<SsoOverview> {
  const settings = publicSettings(org);
  if (!settings || !org.sso) return { connected: false };
  const outcome = await discover(config, org.id, org.sso);
  return {
    connected: true,
    ...settings,
    redirectUri: callbackUrl(config),
    status: outcome.ok ? 'ok' : 'broken',
    reason: outcome.ok ? null : outcome.reason,
    checkedAt: outcome.checkedAt.toISOString(),
  };
}
