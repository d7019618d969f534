// System-of-record ports, factors: MFA factor rows, passkey credentials and remembered devices
// (parts of SystemOfRecord in ../ports.ts).

import type {
  FactorRecord,
  FactorType,
  NewFactor,
  NewPasskey,
  NewRememberedDevice,
  PasskeyRecord,
  RememberedDevice,
} from '../records.ts';

export interface FactorPatch {
  secretEnc?: string | null;
  data?: Record<string, unknown>;
  failedAttempts?: number;
  lockedAt?: Date | null;
}

export interface FactorStore {
  listFactors(userId: string): Promise<FactorRecord[]>;
  /** Every factor row of every user: used by key rotation only. */
  listFactorsWithSecrets(): Promise<FactorRecord[]>;
  insertFactor(input: NewFactor): Promise<FactorRecord>;
  updateFactor(id: string, patch: FactorPatch): Promise<void>;
  deleteFactor(id: string): Promise<boolean>;
  /** Deletes a user's factors of the given types (all types when omitted); returns the count. */
  deleteFactorsOfUser(userId: string, types?: FactorType[]): Promise<number>;
  /**
   * Atomically records an accepted TOTP step: succeeds only when step > lastStep (or lastStep is
   * null), also resetting failedAttempts. false means a replay of the same or an earlier step.
   */
  advanceTotpStep(factorId: string, step: number): Promise<boolean>;
  /** Atomically marks an unused backup code used; false when it was already used. */
  useBackupCode(factorId: string): Promise<boolean>;
  /** Atomically increments failedAttempts and returns the new value. */
  incrementFailedAttempts(factorId: string): Promise<number>;
}

/** W1–W4: passkeys (a `factors` row each, with its credential in `passkeys`). */
export interface PasskeyStore {
  /** Inserts the factor row and the credential; ConflictError when the credential id is taken. */
  insertPasskey(input: NewPasskey): Promise<PasskeyRecord>;
  listPasskeys(userId: string): Promise<PasskeyRecord[]>;
  findPasskeyByCredentialId(credentialId: string): Promise<PasskeyRecord | undefined>;
  /**
   * W7: atomically records a use — only when the new signature counter is above the stored one
   * (or both are 0: an authenticator without a counter); also resets failedAttempts. false means
   * a counter that did not move forward (a replay or a cloned authenticator) or a removed passkey.
   */
  recordPasskeyUse(factorId: string, counter: number): Promise<boolean>;
  /** W4: renames one of the user's passkeys; false when it is not theirs. */
  renamePasskey(userId: string, factorId: string, name: string): Promise<boolean>;
}

/** G4: remembered devices (the token only as its SHA-256). */
export interface RememberedDeviceStore {
  createRememberedDevice(input: NewRememberedDevice): Promise<RememberedDevice>;
  /** The device of this token hash while it has not expired. */
  findRememberedDeviceByTokenHash(tokenHash: string): Promise<RememberedDevice | undefined>;
  /** The user's device while it has not expired. */
  findRememberedDevice(userId: string, id: string): Promise<RememberedDevice | undefined>;
  /** The user's devices that have not expired, most recently used first. */
  listRememberedDevices(userId: string): Promise<RememberedDevice[]>;
  /** Records a use now, from this address. */
  touchRememberedDevice(id: string, ip: string | null): Promise<void>;
  deleteRememberedDevice(userId: string, id: string): Promise<boolean>;
  /** Every device of the user (V3); returns the count. */
  deleteRememberedDevicesOfUser(userId: string): Promise<number>;
}
