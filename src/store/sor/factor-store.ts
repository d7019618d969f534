// The factors part of the Kysely system of record: factor rows, passkey credentials and remembered
// devices (the ports in ../ports/factors.ts). Every method maps driver errors (errors.ts).

import type { Kysely } from 'kysely';
import type { FactorStore, PasskeyStore, RememberedDeviceStore } from '../ports/factors.ts';
import * as devices from './device-queries.ts';
import { run } from './errors.ts';
import * as factors from './factor-queries.ts';
import * as passkeys from './passkey-queries.ts';
import type { Database } from './schema.ts';

export function factorStore(db: Kysely<Database>): FactorStore {
  return {
    listFactors: (userId) => run(() => factors.listFactors(db, userId)),
    listFactorsWithSecrets: () => run(() => factors.listFactors(db, undefined)),
    insertFactor: (input) => run(() => factors.insertFactor(db, input)),
    updateFactor: (id, patch) => run(() => factors.updateFactor(db, id, patch)),
    deleteFactor: (id) => run(() => factors.deleteFactor(db, id)),
    deleteFactorsOfUser: (userId, types) => run(() => factors.deleteFactorsOfUser(db, userId, types)),
    advanceTotpStep: (factorId, step) => run(() => factors.advanceTotpStep(db, factorId, step)),
    useBackupCode: (factorId) => run(() => factors.useBackupCode(db, factorId)),
    incrementFailedAttempts: (factorId) => run(() => factors.incrementFailedAttempts(db, factorId)),
  };
}

export function passkeyStore(db: Kysely<Database>): PasskeyStore {
  return {
    insertPasskey: (input) => run(() => passkeys.insertPasskey(db, input)),
    listPasskeys: (userId) => run(() => passkeys.listPasskeys(db, userId)),
    findPasskeyByCredentialId: (credentialId) =>
      run(() => passkeys.findPasskeyByCredentialId(db, credentialId)),
    recordPasskeyUse: (factorId, counter) => run(() => passkeys.recordPasskeyUse(db, factorId, counter)),
    renamePasskey: (userId, factorId, name) => run(() => passkeys.renamePasskey(db, userId, factorId, name)),
  };
}

export function rememberedDeviceStore(db: Kysely<Database>): RememberedDeviceStore {
  return {
    createRememberedDevice: (input) => run(() => devices.createRememberedDevice(db, input)),
    findRememberedDeviceByTokenHash: (tokenHash) =>
      run(() => devices.findRememberedDeviceByTokenHash(db, tokenHash)),
    findRememberedDevice: (userId, id) => run(() => devices.findRememberedDevice(db, userId, id)),
    listRememberedDevices: (userId) => run(() => devices.listRememberedDevices(db, userId)),
    touchRememberedDevice: (id, ip) => run(() => devices.touchRememberedDevice(db, id, ip)),
    deleteRememberedDevice: (userId, id) => run(() => devices.deleteRememberedDevice(db, userId, id)),
    deleteRememberedDevicesOfUser: (userId) => run(() => devices.deleteRememberedDevicesOfUser(db, userId)),
  };
}
