// The passkey part of the configuration (W1–W7): the WebAuthn relying party (its ID and the origins
// its pages are served from, both defaulting from ISSUER) and the challenge lifetime. Called by
// loadConfig, which turns a thrown Error into a ConfigError.
import type { Env } from './schema.ts';

export interface WebAuthnSettings {
  /** The relying-party ID: the issuer's host, or a registrable suffix of every origin's host. */
  rpId: string;
  /** Origins a ceremony may come from (the issuer's origin by default). */
  origins: string[];
  /** W7: how long a registration or sign-in challenge may be answered. */
  challengeTtlSeconds: number;
  /** Attestation conveyance asked for at registration ('none': no attestation statement kept). */
  attestation: 'none' | 'direct';
}

/** WebAuthn §5.1.4: the RP ID is the origin's effective domain or a registrable suffix of it. */
function coversHost(rpId: string, host: string): boolean {
  return host === rpId || host.endsWith(`.${rpId}`);
}

export function webauthnSettings(env: Env, issuer: string): WebAuthnSettings {
  // The issuer's own origin is checked as ISSUER (and by `deadbolt doctor`); a list given here must
  // be origins browsers run WebAuthn on: https://, or http:// on localhost.
  const given = env.WEBAUTHN_ORIGINS?.length ? env.WEBAUTHN_ORIGINS : undefined;
  const origins = (given ?? [new URL(issuer).origin]).map((o) => {
    if (!URL.canParse(o)) throw new Error(`WEBAUTHN_ORIGINS: ${o} is not a URL`);
    const url = new URL(o);
    if (url.origin !== o.replace(/\/$/, ''))
      throw new Error(`WEBAUTHN_ORIGINS: ${o} is not an origin (no path)`);
    const local = url.hostname === 'localhost' || url.hostname.endsWith('.localhost');
    if (given && url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
      throw new Error(`WEBAUTHN_ORIGINS: ${o} must be https:// (http:// only for localhost)`);
    }
    return url.origin;
  });
  const rpId = (env.WEBAUTHN_RP_ID ?? new URL(origins[0]).hostname).toLowerCase();
  if (!/^[a-z0-9.-]+$/.test(rpId) || rpId.startsWith('.') || rpId.endsWith('.')) {
    throw new Error(`WEBAUTHN_RP_ID: ${rpId} is not a host name`);
  }
  for (const o of origins) {
    if (!coversHost(rpId, new URL(o).hostname)) {
      throw new Error(`WEBAUTHN_RP_ID: ${rpId} is not the host of ${o} nor a suffix of it`);
    }
  }
  return {
    rpId,
    origins,
    challengeTtlSeconds: env.WEBAUTHN_CHALLENGE_TTL_SECONDS,
    attestation: env.WEBAUTHN_ATTESTATION,
  };
}
