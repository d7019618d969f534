// Authentication context classes and methods (L4, P6). Documented in README "Claims".

/** Password only (or any single factor). */
export const ACR_PASSWORD = 'urn:deadbolt:acr:pwd';
/** A second factor was completed in this session. Request it with acr_values to step up (P6). */
export const ACR_MFA = 'urn:deadbolt:acr:mfa';
/**
 * Phishing resistant (W5): a passkey (WebAuthn, user verification required) was used in this
 * session — the authenticator signs for our RP ID only, so a look-alike site gets nothing it can
 * replay (the OpenID EAP ACR `phr` semantics). It also meets every `mfa` request.
 */
export const ACR_PHR = 'urn:deadbolt:acr:phr';
/** Federated through an organization's enterprise SSO connection (F1). */
export const ACR_FEDERATED = 'urn:deadbolt:acr:fed';

export const ACR_VALUES = [ACR_PASSWORD, ACR_MFA, ACR_PHR, ACR_FEDERATED] as const;

/** The ladder pwd < mfa < phr: a session at one rung meets every request for a lower one. */
const LADDER: readonly string[] = [ACR_PASSWORD, ACR_MFA, ACR_PHR];

/** Does a session with acr `have` meet a request that accepts any of `wanted`? */
export function meetsAcr(have: string | undefined, wanted: string[]): boolean {
  const rung = have === undefined ? -1 : LADDER.indexOf(have);
  return wanted.some((w) => w === have || (rung >= 0 && LADDER.includes(w) && rung >= LADDER.indexOf(w)));
}

/** W5: do these requested values (any of which would do) accept only a phishing-resistant method? */
export function requestsPhishingResistant(values: string[]): boolean {
  return values.length > 0 && values.every((v) => v === ACR_PHR);
}

/**
 * amr values (RFC 8176 where registered): pwd, otp (authenticator app), sms, mfa; for a passkey
 * (W3) `hwk` (a device-bound credential: the key never leaves its authenticator) or `swk` (a synced
 * passkey), with `user` (user verification was required and done).
 * Unregistered, documented here and in the README: `backup` (a backup code, a look-up secret),
 * `fed` (federated sign-in through enterprise SSO).
 */
export type Amr = 'pwd' | 'otp' | 'sms' | 'mfa' | 'backup' | 'fed' | 'hwk' | 'swk' | 'user';

/** Does this acr_values request demand a second factor (mfa, or the phishing-resistant phr)? */
export function requestsMfa(acrValues: string | undefined): boolean {
  if (!acrValues) return false;
  const requested = acrValues.split(' ').filter(Boolean);
  // Step-up only when MFA (or more) is the one acceptable class; a request that also accepts pwd
  // is satisfied by a password-only session.
  return requested.length > 0 && requested.every((v) => v === ACR_MFA || v === ACR_PHR);
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
