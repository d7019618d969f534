// W1: adding a passkey, on the security page or inside the sign-in (after T1's re-authentication,
// which the caller checks). `start` issues the flow's registration challenge; `finish` checks the
// authenticator's response against it (taken once), stores the credential with its default name
// and audits the change (R3).
import type { AuditWho } from '../../audit.ts';
import { audit } from '../../audit.ts';
import type { SystemOfRecord } from '../../store/ports.ts';
import { ConflictError } from '../../store/ports.ts';
import type { PasskeyRecord, User } from '../../store/records.ts';
import type { ChallengeStore } from './challenges.ts';
import { defaultPasskeyName } from './names.ts';
import {
  parseCeremonyResponse,
  type RegistrationResponseJSON,
  type RelyingParty,
  registrationOptions,
  verifyRegistration,
} from './webauthn.ts';

export type RegistrationResult =
  | { ok: true; passkey: PasskeyRecord }
  | { ok: false; reason: 'invalid' | 'expired' | 'duplicate' };

export function createPasskeyRegistration(sor: SystemOfRecord, rp: RelyingParty, challenges: ChallengeStore) {
  return {
    async start(user: Pick<User, 'id' | 'email'>, flowKey: string): Promise<object> {
      const options = await registrationOptions(rp, user, await sor.listPasskeys(user.id));
      await challenges.issue('register', flowKey, options.challenge);
      return options;
    },

    async finish(
      user: Pick<User, 'id'>,
      flowKey: string,
      responseJson: string,
      who: AuditWho,
    ): Promise<RegistrationResult> {
      const response = parseCeremonyResponse<RegistrationResponseJSON>(responseJson);
      if (!response) return { ok: false, reason: 'invalid' };
      const challenge = await challenges.take('register', flowKey); // W7: single use
      if (!challenge) return { ok: false, reason: 'expired' };
      const verified = await verifyRegistration(rp, response, challenge);
      if (!verified) return { ok: false, reason: 'invalid' };
      try {
        const passkey = await sor.transaction(async (tx) => {
          const taken = (await tx.listPasskeys(user.id)).map((p) => p.name);
          const created = await tx.insertPasskey({
            userId: user.id,
            ...verified,
            name: defaultPasskeyName(verified.aaguid, taken),
          });
          await audit(
            tx,
            who,
            'factor.enrolled',
            { userId: user.id },
            { type: 'passkey', name: created.name },
          );
          return created;
        });
        return { ok: true, passkey };
      } catch (err) {
        if (err instanceof ConflictError) return { ok: false, reason: 'duplicate' }; // already registered
        throw err;
      }
    },
  };
}

export type PasskeyRegistration = ReturnType<typeof createPasskeyRegistration>;
