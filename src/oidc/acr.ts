// Authentication context classes and methods (L4, P6). Documented in README "Claims".

/** Password only (or any single factor). */
export const ACR_PASSWORD = 'urn:deadbolt:acr:pwd';
/** A second factor was completed in this session. Request it with acr_values to step up (P6). */
export const ACR_MFA = 'urn:deadbolt:acr:mfa';
/** Federated through an organization's enterprise SSO connection (F1). */
export const ACR_FEDERATED = 'urn:deadbolt:acr:fed';

export const ACR_VALUES = [ACR_PASSWORD, ACR_MFA, ACR_FEDERATED] as const;

/**
 * amr values (RFC 8176 where registered): pwd, otp (authenticator app), sms, mfa.
 * Unregistered, documented here and in the README: `backup` (a backup code, a look-up secret),
 * `fed` (federated sign-in through enterprise SSO).
 */
export type Amr = 'pwd' | 'otp' | 'sms' | 'mfa' | 'backup' | 'fed';

/** Does this acr_values request demand a second factor? */
export function requestsMfa(acrValues: string | undefined): boolean {
  if (!acrValues) return false;
  const requested = acrValues.split(' ').filter(Boolean);
  // Step-up only when MFA is the one acceptable class; a request that also accepts pwd is satisfied
  // by a password-only session.
  return requested.length > 0 && requested.every((v) => v === ACR_MFA);
}

/**
 * Values of an essential `acr` claim request (the claims parameter, parsed or as sent), if any.
 * The gate and the MFA step both ask this, so an essential acr leads where acr_values does (P6).
 */
export function essentialAcrOf(claims: unknown): string[] {
  let parsed = claims;
  if (typeof claims === 'string') {
    try {
      parsed = JSON.parse(claims);
    } catch {
      return []; // an invalid claims parameter is refused by the provider itself
    }
  }
  const acr = (parsed as { id_token?: { acr?: { essential?: unknown; value?: unknown; values?: unknown } } })
    ?.id_token?.acr;
  if (acr?.essential !== true) return [];
  if (Array.isArray(acr.values)) return acr.values.filter((v): v is string => typeof v === 'string');
  return typeof acr.value === 'string' ? [acr.value] : [];
}
