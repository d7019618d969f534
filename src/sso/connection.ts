// Setting and removing an organization's SSO connection (F1), shared by the CLI `deadbolt sso
// set|remove` and the admin API `PUT/DELETE /admin/v1/organizations/{orgId}/sso` (A1): validation
// and sealing (buildSettings), one organization per e-mail domain, and the links of the previous
// upstream deleted when the issuer or client changes — all in one transaction with its audit row.
import { type AuditWho, audit } from '../audit.ts';
import type { Config } from '../config/index.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import type { Organization, SsoSettings } from '../store/records.ts';
import { buildSettings, publicSettings, type SsoSettingsInput } from './settings.ts';

/** A domain already covered by another organization (home-realm discovery needs one per domain). */
export class SsoDomainTakenError extends Error {
  constructor(domain: string, other: Pick<Organization, 'id' | 'name'>) {
    super(`domain ${domain} is already covered by organization ${other.id} (${other.name})`);
    this.name = 'SsoDomainTakenError';
  }
}

export interface SsoSetResult {
  settings: SsoSettings;
  linksRemoved: number;
}

/** Validates (SsoSettingsError, SsoDomainTakenError), stores, deletes stale links, audits. */
export async function setSsoConnection(
  sor: SystemOfRecord,
  config: Pick<Config, 'factorKeys' | 'sso'>,
  org: Organization,
  input: SsoSettingsInput & { enforced: boolean },
  actor: AuditWho,
): Promise<SsoSetResult> {
  const settings = buildSettings(config, org.id, input, org.sso);
  for (const domain of settings.domains) {
    const other = (await sor.findOrgsBySsoDomain(domain)).find((o) => o.id !== org.id);
    if (other) throw new SsoDomainTakenError(domain, other);
  }
  // Links are to subjects of one provider and client: a different one starts over.
  const repointed =
    org.sso !== null && (org.sso.issuer !== settings.issuer || org.sso.clientId !== settings.clientId);
  const linksRemoved = await sor.transaction(async (tx) => {
    await tx.updateOrg(org.id, { sso: settings, ssoEnforced: input.enforced });
    const n = repointed ? await tx.deleteSsoLinksOfOrg(org.id) : 0;
    await audit(
      tx,
      actor,
      'sso.configured',
      { orgId: org.id },
      { ...publicSettings({ ssoEnforced: input.enforced, sso: settings }), linksRemoved: n },
    );
    return n;
  });
  return { settings, linksRemoved };
}

/** Drops the connection and SSO enforcement, deletes every link of the organization, audits. */
export async function removeSsoConnection(
  sor: SystemOfRecord,
  org: Organization,
  actor: AuditWho,
): Promise<{ removed: boolean; linksRemoved: number }> {
  const linksRemoved = await sor.transaction(async (tx) => {
    await tx.updateOrg(org.id, { sso: null, ssoEnforced: false });
    const n = await tx.deleteSsoLinksOfOrg(org.id);
    await audit(tx, actor, 'sso.removed', { orgId: org.id }, { linksRemoved: n });
    return n;
  });
  return { removed: org.sso !== null, linksRemoved };
}
