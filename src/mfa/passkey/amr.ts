// What a passkey assertion says about the authentication (W3, RFC 8176): `user` — user
// verification (PIN or biometric) was required and reported; `hwk` for a device-bound credential
// (not backup-eligible: the private key never leaves its authenticator), `swk` for a synced
// passkey (backed up to a password manager or platform keychain, so held in software there).
import type { Amr } from '../../oidc/acr.ts';
import type { PasskeyRecord } from '../../store/records.ts';

export function passkeyAmr(deviceType: PasskeyRecord['deviceType']): Amr[] {
  return [deviceType === 'multiDevice' ? 'swk' : 'hwk', 'user'];
}
