// A thin wrapper over @simplewebauthn/server (W1, W2, W3, W7): our relying party's options and
// checks in one place. Quirks: the library checks the signature counter itself, but only by
// throwing an untyped Error — we pass counter 0 and compare afterwards, so a counter that goes
// backwards is told apart (and audited) from a bad signature. User verification is required
// everywhere (a passkey is possession + inherence/knowledge on its own).
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { WebAuthnSettings } from '../../config/webauthn.ts';
import type { PasskeyRecord } from '../../store/records.ts';

export type { AuthenticationResponseJSON, RegistrationResponseJSON };

export interface RelyingParty extends WebAuthnSettings {
  /** Shown by the authenticator (MFA_ISSUER_NAME). */
  rpName: string;
}

const TIMEOUT_MS = 120_000;

/** Registration options for this user; their passkeys are excluded (no second copy of one). */
export function registrationOptions(
  rp: RelyingParty,
  user: { id: string; email: string },
  existing: PasskeyRecord[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpId,
    userName: user.email,
    userID: new TextEncoder().encode(user.id),
    userDisplayName: user.email,
    timeout: TIMEOUT_MS,
    attestationType: rp.attestation,
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
    // Discoverable credentials (W3's usernameless sign-in) preferred; user verification required.
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
  });
}

/** Options for an assertion: the user's passkeys, or (W3) any discoverable one. */
export function authenticationOptions(
  rp: RelyingParty,
  allow: PasskeyRecord[] | undefined,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.rpId,
    timeout: TIMEOUT_MS,
    userVerification: 'required',
    allowCredentials: allow?.map((p) => ({ id: p.credentialId, transports: p.transports })),
  });
}

export interface VerifiedRegistration {
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  aaguid: string;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
}

/** Checks a registration response against its challenge, our origins and RP ID; undefined when refused. */
export async function verifyRegistration(
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  challenge: string,
): Promise<VerifiedRegistration | undefined> {
  try {
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      requireUserVerification: true,
    });
    if (!result.verified) return undefined;
    const info = result.registrationInfo;
    return {
      credentialId: info.credential.id,
      publicKey: new Uint8Array(info.credential.publicKey),
      counter: info.credential.counter,
      transports: response.response.transports ?? [],
      aaguid: info.aaguid,
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
    };
  } catch {
    return undefined; // wrong origin, RP ID or challenge, no user verification, malformed
  }
}

export type AssertionCheck =
  | { ok: true; counter: number; deviceType: 'singleDevice' | 'multiDevice' }
  | { ok: false; reason: 'invalid' | 'counter' };

/** Checks an assertion by this credential against its challenge, our origins and RP ID. */
export async function verifyAssertion(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  challenge: string,
  credential: PasskeyRecord,
): Promise<AssertionCheck> {
  let info: Awaited<ReturnType<typeof verifyAuthenticationResponse>>['authenticationInfo'];
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      requireUserVerification: true,
      credential: {
        id: credential.credentialId,
        publicKey: new Uint8Array(credential.publicKey),
        counter: 0,
      },
    });
    if (!result.verified) return { ok: false, reason: 'invalid' };
    info = result.authenticationInfo;
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  // W7: a counter that does not move forward means a replayed assertion or a cloned authenticator.
  const stored = credential.counter;
  if ((info.newCounter > 0 || stored > 0) && info.newCounter <= stored)
    return { ok: false, reason: 'counter' };
  return { ok: true, counter: info.newCounter, deviceType: info.credentialDeviceType };
}

/** A response as posted by our page script (JSON in a form field); undefined when malformed. */
export function parseCeremonyResponse<T extends { id: string; response: object }>(
  text: string,
): T | undefined {
  try {
    const value = JSON.parse(text) as T;
    return typeof value?.id === 'string' && typeof value.response === 'object' && value.response !== null
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}
