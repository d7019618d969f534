// SMS challenge records in the ephemeral store: one per flow, user and purpose, sealed with the
// factor key (the 6-digit code is never stored in the clear), with the wrong attempts against
// each code counted beside it.
import { open, SealedDataError, seal } from '../../crypto/sealed.ts';
import type { FactorDeps } from '../factor.ts';

/** `signin`: the MFA step; `enroll`: proving a new number before it becomes a factor. */
export type SmsPurpose = 'signin' | 'enroll' | 'disable';

/** Sealed in the ephemeral store; never written anywhere in the clear. */
export interface ChallengeRecord {
  v: 1;
  /** Identifies this code (a new code gets a new id). */
  id: string;
  phone: string;
  code: string;
  /** When this code was first sent (ms); it expires codeTtl after. */
  issuedAt: number;
  /** When the last message was sent (ms), for the resend wait. */
  sentAt: number;
  sends: number;
  /** When the stored record itself goes away (ms). */
  until: number;
}

export type ChallengeStore = ReturnType<typeof createChallengeStore>;

export function createChallengeStore(deps: Pick<FactorDeps, 'config' | 'eph'>, now: () => number) {
  const { config, eph } = deps;
  const settings = config.sms;

  const key = (purpose: SmsPurpose, userId: string, flowKey: string) => `sms:${purpose}:${userId}:${flowKey}`;
  const aad = (purpose: SmsPurpose, userId: string, flowKey: string) => `sms:${purpose}:${userId}:${flowKey}`;
  // The record outlives its code so the page can tell "expired" from "never sent" and the resend
  // wait holds; it goes with the interaction.
  const recordSeconds = () =>
    Math.max(settings.codeTtlSeconds, settings.resendSeconds, config.ttl.interaction);

  async function load(purpose: SmsPurpose, userId: string, flowKey: string) {
    const sealed = await eph.kv.get(key(purpose, userId, flowKey));
    return sealed === undefined ? undefined : unseal(sealed, purpose, userId, flowKey);
  }

  function unseal(sealed: string, purpose: SmsPurpose, userId: string, flowKey: string) {
    try {
      const record = JSON.parse(
        open(config.factorKeys, sealed, aad(purpose, userId, flowKey)),
      ) as ChallengeRecord;
      return record.v === 1 ? record : undefined;
    } catch (err) {
      // Sealed for another user or flow, or with a retired key: as good as no challenge.
      if (err instanceof SealedDataError || err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  async function store(purpose: SmsPurpose, userId: string, flowKey: string, record: ChallengeRecord) {
    const seconds = Math.max(1, Math.ceil((record.until - now()) / 1000));
    await eph.kv.set(
      key(purpose, userId, flowKey),
      seal(config.factorKeys, JSON.stringify(record), aad(purpose, userId, flowKey)),
      seconds,
    );
  }

  /** Removes the challenge atomically and returns it: of two racing callers, only one gets it. */
  async function take(purpose: SmsPurpose, userId: string, flowKey: string) {
    const taken = await eph.kv.take(key(purpose, userId, flowKey));
    return taken === undefined ? undefined : unseal(taken, purpose, userId, flowKey);
  }

  async function discard(purpose: SmsPurpose, userId: string, flowKey: string) {
    await eph.kv.del(key(purpose, userId, flowKey));
  }

  // Wrong attempts are counted in their own key per code: a failed check never writes the
  // challenge back (which could revive one that a concurrent success has just taken).
  const attemptsKey = (record: ChallengeRecord) => `sms:attempts:${record.id}`;
  const attemptsOf = async (record: ChallengeRecord) => Number((await eph.kv.get(attemptsKey(record))) ?? 0);
  /** Spends one attempt against the record's code (atomic); returns the attempts so far. */
  const countAttempt = (record: ChallengeRecord) => eph.kv.incr(attemptsKey(record), recordSeconds());

  /** When a record written at `at` (ms) goes away (ms). */
  const recordUntil = (at: number) => at + recordSeconds() * 1000;

  return { recordUntil, load, store, take, discard, attemptsOf, countAttempt };
}
