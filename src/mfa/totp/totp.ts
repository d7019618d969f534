// TOTP authenticator apps (T2, T4; RFC 6238, NIST SP 800-63B §5.1.4/§5.1.5): a thin wrapper over
// otplib 13 with the parameters every authenticator app supports (SHA-1, 6 digits, 30 s).
//
// Verification accepts the current time step ±1 (clock drift) and refuses any step at or before
// the last accepted one (RFC 6238 §5.2: a code is accepted at most once). A code right only for the
// step just beyond the window is refused as `drift`, so the page can say the clock is off (X6). The caller stores the
// returned step atomically (SystemOfRecord.advanceTotpStep) before treating the code as accepted.
import { generateSecret, verify } from 'otplib';
import QRCode from 'qrcode';

/** The otplib options our TOTP uses everywhere (generation, verification, URI). */
export const TOTP_OPTIONS = Object.freeze({ algorithm: 'sha1', digits: 6, period: 30 } as const);

/** Secret size: 160 bits, the HMAC-SHA-1 block-size recommendation of RFC 4226 §4. */
export const TOTP_SECRET_BYTES = 20;

const MAX_WINDOW_STEPS = 10;
const MAX_TOKEN_INPUT_LENGTH = 64;
const TOKEN = /^[0-9]{6}$/;

/** A new random secret, base32 (RFC 4648, no padding: 32 characters). */
export function createTotpSecret(): string {
  return generateSecret({ length: TOTP_SECRET_BYTES });
}

export interface TotpUriInput {
  /** Shown by the app as the provider name, e.g. "Deadbolt". */
  issuer: string;
  /** Usually the e-mail address. */
  accountName: string;
  /** Base32 secret. */
  secret: string;
}

/**
 * Key URI for authenticator apps (Google Authenticator "Key Uri Format"):
 * `otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`.
 * Issuer and account are percent-encoded separately (a ":" inside either becomes %3A). otplib's
 * generateURI leaves out algorithm/digits/period when they are the defaults, so the URI is built
 * here with all parameters explicit.
 */
export function totpUri({ issuer, accountName, secret }: TotpUriInput): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const params = [
    `secret=${encodeURIComponent(secret.replace(/=+$/, ''))}`,
    `issuer=${encodeURIComponent(issuer)}`,
    `algorithm=${TOTP_OPTIONS.algorithm.toUpperCase()}`,
    `digits=${TOTP_OPTIONS.digits}`,
    `period=${TOTP_OPTIONS.period}`,
  ];
  return `otpauth://totp/${label}?${params.join('&')}`;
}

export interface VerifyTotpInput {
  /** Base32 secret (opened from its sealed form). */
  secret: string;
  /** What the user typed; spaces are ignored, anything else than 6 ASCII digits is invalid. */
  token: string;
  /** Last accepted time step for this factor, or null if none yet. */
  lastStep: number | null | undefined;
  /** Defaults to the current time. */
  now?: Date;
  /** Accepted drift in time steps either side of the current one. Default 1. */
  windowSteps?: number;
}

/**
 * `replay`: the code is right for a step already used. `drift`: right only for a step just outside
 * the accepted window (the device's clock is off, X6) — told, never accepted.
 */
export type VerifyTotpResult =
  | { ok: true; step: number }
  | { ok: false; reason: 'invalid' | 'replay' | 'drift' };

/** Normalized 6-digit token, or undefined. Never throws, whatever the input. */
export function normalizeTotpToken(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > MAX_TOKEN_INPUT_LENGTH) return undefined;
  const token = input.replace(/[ \t\r\n]/g, '');
  return TOKEN.test(token) ? token : undefined;
}

/**
 * Checks a code against the current time step ±windowSteps. A code that matches only steps at or
 * before `lastStep` is a replay (RFC 6238 §5.2); a code matching nothing is invalid. otplib
 * compares codes in constant time.
 */
export async function verifyTotp(input: VerifyTotpInput): Promise<VerifyTotpResult> {
  const { secret, lastStep, now = new Date(), windowSteps = 1 } = input;
  if (!Number.isSafeInteger(windowSteps) || windowSteps < 0 || windowSteps > MAX_WINDOW_STEPS) {
    throw new RangeError(`windowSteps must be an integer from 0 to ${MAX_WINDOW_STEPS}`);
  }
  const token = normalizeTotpToken(input.token);
  if (token === undefined) return { ok: false, reason: 'invalid' };

  const epoch = Math.floor(now.getTime() / 1000);
  const base = { ...TOTP_OPTIONS, secret, token, epoch, epochTolerance: windowSteps * TOTP_OPTIONS.period };
  const highestStep = Math.floor(epoch / TOTP_OPTIONS.period) + windowSteps;
  const previous =
    typeof lastStep === 'number' && Number.isSafeInteger(lastStep) && lastStep >= 0 ? lastStep : undefined;

  // otplib throws when afterTimeStep lies beyond the window (e.g. the clock moved back): then no
  // step in the window is acceptable and only the replay/invalid distinction remains.
  if (previous === undefined || previous < highestStep) {
    const fresh = await verify({ ...base, afterTimeStep: previous });
    // otplib's functional verify() returns the TOTP|HOTP result union; the TOTP one has timeStep.
    if (fresh.valid && 'timeStep' in fresh) return { ok: true, step: fresh.timeStep };
  }
  if (previous !== undefined && (await verify(base)).valid) return { ok: false, reason: 'replay' };
  return { ok: false, reason: await outsideWindow(base, previous) };
}

/** X6: one step beyond the window either side — a used step is a replay, else clock drift. */
async function outsideWindow(
  base: { secret: string; token: string; epoch: number; epochTolerance: number },
  previous: number | undefined,
): Promise<'invalid' | 'replay' | 'drift'> {
  const wider = await verify({ ...base, epochTolerance: base.epochTolerance + TOTP_OPTIONS.period });
  if (!wider.valid || !('timeStep' in wider)) return 'invalid';
  return previous !== undefined && wider.timeStep <= previous ? 'replay' : 'drift';
}

/** `ABCD EFGH IJKL …` for manual entry. */
export function formatSecretForDisplay(secret: string): string {
  const compact = secret.replace(/[\s=]/g, '').toUpperCase();
  return (compact.match(/.{1,4}/g) ?? []).join(' ');
}

/** QR code of the key URI as an SVG document string. */
export function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
}
