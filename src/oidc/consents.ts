// I8: consent remembered per user and third-party client. The provider's grant lives in one
// browser session (session.grantIdFor); a new session with no grant gets a fresh one built from the
// stored consent, so the consent prompt only asks for what the consent does not cover.
import type { Grant, KoaContextWithOIDC } from 'oidc-provider';
import type { SystemOfRecord } from '../store/ports.ts';

/** A new grant from the user's stored consent to this client, or undefined without one. */
export async function grantFromConsent(
  ctx: KoaContextWithOIDC,
  sor: SystemOfRecord,
  accountId: string,
  clientId: string,
): Promise<Grant | undefined> {
  const consent = await sor.findConsent(accountId, clientId);
  if (!consent) return undefined;
  const grant = new ctx.oidc.provider.Grant({ clientId, accountId });
  grant.addOIDCScope(consent.scopes.join(' '));
  if (consent.claims.length) grant.addOIDCClaims(consent.claims);
  await grant.save();
  return grant;
}

/** After the consent page's "allow": remember what the grant now covers. */
export async function rememberConsent(sor: SystemOfRecord, grant: Grant): Promise<void> {
  const { accountId, clientId } = grant;
  if (!accountId || !clientId) return;
  const scopes = (grant.getOIDCScope() ?? '').split(' ').filter(Boolean);
  const claims = grant.getOIDCClaims?.() ?? [];
  await sor.saveConsent({ userId: accountId, clientId, scopes, claims });
}
