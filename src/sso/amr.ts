// What an upstream identity provider's `amr` says, and what of it reaches our own session (F1, F2,
// L4). Documented in docs/sso.md.

/** RFC 8176 §2 registered Authentication Method Reference values. */
export const RFC8176_AMR = [
  'face',
  'fpt',
  'geo',
  'hwk',
  'iris',
  'kba',
  'mca',
  'mfa',
  'otp',
  'pin',
  'pop',
  'pwd',
  'rba',
  'retina',
  'sc',
  'sms',
  'swk',
  'tel',
  'user',
  'vbm',
  'wia',
] as const;

const REGISTERED = new Set<string>(RFC8176_AMR);

/**
 * Authentication factor categories (NIST SP 800-63B §5.1, "something you know / have / are") of the
 * RFC 8176 values that name one. Values that name no factor (geo, mca, rba, user, wia) are absent.
 */
const CATEGORY: Record<string, 'know' | 'have' | 'are'> = {
  pwd: 'know',
  pin: 'know',
  kba: 'know',
  otp: 'have',
  hwk: 'have',
  swk: 'have',
  sms: 'have',
  tel: 'have',
  sc: 'have',
  pop: 'have',
  fpt: 'are',
  face: 'are',
  iris: 'are',
  retina: 'are',
  vbm: 'are',
};

function valuesOf(amr: unknown): string[] {
  return Array.isArray(amr) ? amr.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The upstream did multi-factor authentication when its `amr` contains `mfa`, or names methods of
 * at least two different factor categories (e.g. `pwd` + `otp`, `pin` + `hwk`, `fpt` + `sc`).
 * Anything else — no `amr`, unregistered values only, `pwd` alone, `otp` alone — is not MFA.
 */
export function upstreamDidMfa(amr: unknown): boolean {
  const values = valuesOf(amr);
  if (values.includes('mfa')) return true;
  return new Set(values.map((v) => CATEGORY[v]).filter(Boolean)).size >= 2;
}

/**
 * Our session's `amr` for a federated sign-in: `fed` (ours, unregistered) followed by the upstream's
 * RFC 8176 registered values, except `mfa`. In Deadbolt's own `amr`, `mfa` means "this session
 * completed the MFA step the policy asked for" (the prompt, the token endpoint and the account pages
 * read it so); whether the upstream did MFA is kept for the policy hook as `upstreamMfa` instead.
 */
export function federatedAmr(upstreamAmr: unknown): string[] {
  const passed = valuesOf(upstreamAmr).filter((v) => REGISTERED.has(v) && v !== 'mfa');
  return [...new Set(['fed', ...passed])];
}
