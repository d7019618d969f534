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
