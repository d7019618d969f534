// Passkeys as a Factor (W2, W7): the "code" is the WebAuthn assertion our page script posts (JSON).
// The flow's challenge is taken once (single use, bound to the interaction or settings flow), the
// credential must be one of the user's usable passkeys, user verification is required, and the new
// signature counter is recorded atomically — a counter that goes backwards is refused and audited
// as a possible cloned authenticator.
import { audit } from '../../audit.ts';
import type { SystemOfRecord } from '../../store/ports.ts';
import type { FactorRecord, PasskeyRecord, User } from '../../store/records.ts';
import { type Factor, type FactorDeps, isLocked, type VerifyResult } from '../factor.ts';
import { passkeyAmr } from './amr.ts';
import { type ChallengeStore, createChallengeStore } from './challenges.ts';
import { passkeyModule } from './module.ts';
import { showPasskeyChallenge, showPasskeyEnrollment } from './pages.ts';
import { createPasskeyRegistration, type PasskeyRegistration } from './register.ts';
import {
  type AuthenticationResponseJSON,
  authenticationOptions,
  parseCeremonyResponse,
  type RelyingParty,
  verifyAssertion,
} from './webauthn.ts';

export interface PasskeyFactor extends Factor {
  rp: RelyingParty;
  challenges: ChallengeStore;
  /** W1: adding a passkey (the settings page, the sign-in's enrollment). */
  registration: PasskeyRegistration;
  /** W3: options for a usernameless sign-in (any discoverable passkey), bound to the flow. */
  discoverableOptions(flowKey: string): Promise<object>;
  /** W3: the owner of the credential that made this assertion, if it is a passkey we know. */
  ownerOf(responseJson: string): Promise<string | undefined>;
  /** W4: removes one of the user's passkeys; false when it is not theirs. */
  removeOne(userId: string, factorId: string, sor: SystemOfRecord): Promise<boolean>;
}

export function isPasskeyFactor(factor: Factor | undefined): factor is PasskeyFactor {
  return factor?.type === 'passkey' && 'discoverableOptions' in factor;
}

export function createPasskeyFactor(deps: FactorDeps): PasskeyFactor {
  const { sor, config } = deps;
  const rp: RelyingParty = { ...config.webauthn, rpName: config.mfa.issuerName };
  const challenges = createChallengeStore(deps.eph.kv, config.webauthn.challengeTtlSeconds);
  const factor: PasskeyFactor = {
    ...passkeyModule,
    rp,
    challenges,
    usable,
    async challenge({ user, records, flowKey }) {
      const options = await authenticationOptions(rp, await usablePasskeys(sor, user, records));
      await challenges.issue('assert', flowKey, options.challenge);
      return { ceremony: options };
    },
    async verify({ user, records, code, flowKey }) {
      const response = parseCeremonyResponse<AuthenticationResponseJSON>(code);
      if (!response) return { ok: false, reason: 'invalid' };
      // W7: single use — whatever the outcome, this flow's challenge is gone.
      const challenge = await challenges.take('assert', flowKey);
      if (!challenge) return { ok: false, reason: 'expired' };
      return checkAssertion(deps, rp, { user, records }, response, challenge);
    },
    async disable(userId: string, target: SystemOfRecord) {
      return target.deleteFactorsOfUser(userId, ['passkey']);
    },
    async discoverableOptions(flowKey) {
      const options = await authenticationOptions(rp, undefined);
      await challenges.issue('assert', flowKey, options.challenge);
      return options;
    },
    async ownerOf(responseJson) {
      const response = parseCeremonyResponse<AuthenticationResponseJSON>(responseJson);
      if (!response) return undefined;
      return (await sor.findPasskeyByCredentialId(response.id))?.userId;
    },
    async removeOne(userId, factorId, target) {
      const mine = (await target.listPasskeys(userId)).some((p) => p.factorId === factorId);
      return mine && (await target.deleteFactor(factorId));
    },
    challengePage: (ctx, view) => showPasskeyChallenge(ctx, factor, view),
    enrollPage: (ctx, view) => showPasskeyEnrollment(ctx, factor.registration, view),
    registration: createPasskeyRegistration(sor, rp, challenges),
  };
  return factor;
}

const usable = (records: FactorRecord[]) => records.filter((r) => r.type === 'passkey' && !isLocked(r));

async function usablePasskeys(
  sor: SystemOfRecord,
  user: Pick<User, 'id'>,
  records: FactorRecord[],
): Promise<PasskeyRecord[]> {
  const ids = new Set(usable(records).map((r) => r.id));
  return (await sor.listPasskeys(user.id)).filter((p) => ids.has(p.factorId));
}

/** W7: the assertion of one of the user's usable passkeys, verified and its counter moved once. */
async function checkAssertion(
  deps: FactorDeps,
  rp: RelyingParty,
  { user, records }: { user: User; records: FactorRecord[] },
  response: AuthenticationResponseJSON,
  challenge: string,
): Promise<VerifyResult> {
  const { sor } = deps;
  const credential = (await usablePasskeys(sor, user, records)).find((p) => p.credentialId === response.id);
  // An unknown credential, another user's, or a locked one: refused like a wrong code.
  if (!credential) return { ok: false, reason: 'invalid' };
  const result = await verifyAssertion(rp, response, challenge, credential);
  if (!result.ok && result.reason === 'counter') {
    await audit(
      sor,
      { actorUserId: user.id },
      'passkey.counter_regression',
      { userId: user.id },
      { factorId: credential.factorId, name: credential.name, storedCounter: credential.counter },
    );
    deps.logger.warn(
      { event: 'passkey.counter_regression', userId: user.id, factorId: credential.factorId },
      'a passkey signature counter went backwards: possible cloned authenticator',
    );
    return { ok: false, reason: 'replay', factorId: credential.factorId };
  }
  if (!result.ok) return { ok: false, reason: 'invalid', factorId: credential.factorId };
  // Two requests racing with one assertion: only one moves the counter (or, at 0, takes the challenge).
  if (!(await sor.recordPasskeyUse(credential.factorId, result.counter))) {
    return { ok: false, reason: 'replay', factorId: credential.factorId };
  }
  return { ok: true, factorId: credential.factorId, amr: passkeyAmr(result.deviceType) };
}
