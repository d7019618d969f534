// Home-realm discovery (F1): which organization's SSO connection covers an e-mail address, and
// which of a user's organizations forbids password sign-in.
import type { SystemOfRecord } from '../store/ports.ts';
import type { MembershipWithOrg, Organization, SsoSettings } from '../store/records.ts';
import { domainOf } from './settings.ts';

export type SsoOrganization = Organization & { sso: SsoSettings };

const hasConnection = (org: Organization): org is SsoOrganization => org.sso !== null;

/**
 * The organization whose connection covers the e-mail's domain. The CLI refuses a domain that
 * another connection already covers; should two still claim it, an enforcing one wins (it must
 * never be bypassed by a password), then the oldest.
 */
export async function homeRealm(sor: SystemOfRecord, email: string): Promise<SsoOrganization | undefined> {
  const domain = domainOf(email);
  if (!domain) return undefined;
  const orgs = (await sor.findOrgsBySsoDomain(domain)).filter(hasConnection);
  return orgs.find((o) => o.ssoEnforced) ?? orgs[0];
}

/** F1: an organization of the user's that enforces SSO, so that a password sign-in is refused. */
export function enforcingOrg(memberships: MembershipWithOrg[]): SsoOrganization | undefined {
  return memberships.map((m) => m.org).find((o): o is SsoOrganization => o.ssoEnforced && hasConnection(o));
}
