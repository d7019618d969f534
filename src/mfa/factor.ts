// The Factor interface every second-factor method implements (one folder a factor). The MFA
// prompt and the settings pages speak only this interface; SMS plugs in without touching them.
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { Amr } from '../oidc/acr.ts';
import type { FleetMetrics } from '../ops/metrics.ts';
import type { EphemeralStore, SystemOfRecord } from '../store/ports.ts';
import type { FactorRecord, FactorType, User } from '../store/records.ts';
import type { FactorModule } from './module.ts';

export interface FactorDeps {
  config: Config;
  sor: SystemOfRecord;
  eph: EphemeralStore;
  logger: Logger;
  /** Fleet metrics (Z5); absent in unit tests. */
  metrics?: FleetMetrics;
}

export type VerifyResult =
  | { ok: true; factorId: string; amr: Amr[] }
  | { ok: false; reason: VerifyFailure; factorId?: string };

/** Why a code was refused (X6): wrong, already used, expired, or right for a clock that is off. */
export type VerifyFailure = 'invalid' | 'replay' | 'expired' | 'drift';

export interface VerifyInput {
  user: User;
  /** The user's factor rows (all types). */
  records: FactorRecord[];
  code: string;
  /** Binds a challenge (e.g. a sent SMS code) to one interaction or settings flow. */
  flowKey: string;
}

export interface ChallengeInput {
  user: User;
  records: FactorRecord[];
  flowKey: string;
  /** The person asked for a (re)send; false when the page just opened. */
  resend: boolean;
}

/** What the challenge page needs to say (e.g. where a code was sent, when a resend is allowed). */
export interface ChallengeState {
  sentTo?: string;
  retryAfterSeconds?: number;
  error?: string;
  /**
   * For a factor whose proof is a browser ceremony, not a typed code (a passkey: WebAuthn request
   * options); its page runs the ceremony and posts the result as the `code` to verify.
   */
  ceremony?: object;
}

/** What a ceremony factor's own challenge page gets (W2): the step's user and where things lead. */
export interface CeremonyPageView {
  user: User;
  records: FactorRecord[];
  flowKey: string;
  /** The interaction's path, /interaction/<uid>; the factor's own routes live below it. */
  base: string;
  alternatives: Array<{ href: string; label: string }>;
  error: string | null;
  notice: string | null;
  canSubmit: boolean;
  status?: number;
}

/** What a ceremony factor's own enrollment page inside the sign-in gets (P5, W1). */
export interface CeremonyEnrollView {
  user: User;
  flowKey: string;
  /** The interaction's path, /interaction/<uid>. */
  base: string;
  /** The other methods the person may set up instead. */
  choices: Array<{ href: string; label: string }>;
  error?: string | null;
  status?: number;
}

/** A factor's behaviour, on top of its description in the registry (src/mfa/module.ts). */
export interface Factor extends FactorModule {
  /** The records of this factor that can be used now (unused, not locked). */
  usable(records: FactorRecord[]): FactorRecord[];
  /** Prepares a sign-in challenge (sends an SMS); a no-op for the authenticator app. */
  challenge(input: ChallengeInput): Promise<ChallengeState>;
  /** Checks a code; on success the use is recorded atomically (replays refused). */
  verify(input: VerifyInput): Promise<VerifyResult>;
  /** Removes the method (and what comes with it); returns the number of rows removed. */
  disable(userId: string, sor: SystemOfRecord): Promise<number>;
  /**
   * For a factor whose proof is a browser ceremony rather than a typed code (a passkey): its own
   * challenge page at sign-in, in place of the code form. Its result is checked by `verify`.
   */
  challengePage?(ctx: Context, view: CeremonyPageView): Promise<void>;
  /** Such a factor's enrollment page inside the sign-in (after T1), instead of a code form. */
  enrollPage?(ctx: Context, view: CeremonyEnrollView): Promise<void>;
}

export function isLocked(record: FactorRecord): boolean {
  return record.lockedAt !== null;
}
