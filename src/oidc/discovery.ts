// I2: the discovery document advertises exactly what works. oidc-provider builds it from these
// settings, so each one both enables a feature and is what discovery says:
// - response types: only `code` (the interaction policy and PKCE rule are built for it);
// - client authentication: what src/oidc/clients.ts can register (client_secret_jwt is not);
// - claims: computed by the provider from `claims` and `scopes`; `sid` is delivered to any client
//   that asks for it with the claims parameter (and to back-channel logout clients).
import type { Configuration, SigningAlgorithm } from 'oidc-provider';

export const RESPONSE_TYPES = ['code'] as const;
export const CLIENT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
] as const;
/** Asymmetric only: HS256 would be client_secret_jwt, which is not offered. */
const CLIENT_AUTH_SIGNING_ALGS: SigningAlgorithm[] = ['RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA'];

export const discoverySettings = {
  responseTypes: [...RESPONSE_TYPES],
  clientAuthMethods: [...CLIENT_AUTH_METHODS],
  enabledJWA: { clientAuthSigningAlgValues: CLIENT_AUTH_SIGNING_ALGS },
} satisfies Partial<Configuration>;
