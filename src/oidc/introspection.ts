// I3 (RFC 7662 §4): introspection answers `active: true` only to the token's own client or to a
// resource server the operator allowed (`introspection_allowed: true` in CLIENTS_FILE). Anyone
// else learns nothing, not even whether the token exists: the normal inactive response.
import type { Client, KoaContextWithOIDC } from 'oidc-provider';

export async function introspectionAllowed(
  _ctx: KoaContextWithOIDC,
  client: Client,
  token: { clientId?: string },
): Promise<boolean> {
  if (token.clientId === client.clientId) return true;
  return client.clientAuthMethod !== 'none' && client.introspection_allowed === true;
}
