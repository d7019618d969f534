// W7: WebAuthn challenges in the ephemeral store, one per flow (an interaction or a settings
// session) and purpose, expiring after WEBAUTHN_CHALLENGE_TTL_SECONDS and taken (read and deleted
// atomically) by the one verification that may use it. A challenge is a random value, no secret.
import type { KeyValueStore } from '../../store/ports.ts';

export type CeremonyPurpose = 'register' | 'assert';

export interface ChallengeStore {
  issue(purpose: CeremonyPurpose, flowKey: string, challenge: string): Promise<void>;
  /** The flow's pending challenge, once; undefined when none, expired or already used. */
  take(purpose: CeremonyPurpose, flowKey: string): Promise<string | undefined>;
}

export function createChallengeStore(kv: KeyValueStore, ttlSeconds: number): ChallengeStore {
  const key = (purpose: CeremonyPurpose, flowKey: string) => `passkey:challenge:${purpose}:${flowKey}`;
  return {
    issue: (purpose, flowKey, challenge) => kv.set(key(purpose, flowKey), challenge, ttlSeconds),
    take: (purpose, flowKey) => kv.take(key(purpose, flowKey)),
  };
}
