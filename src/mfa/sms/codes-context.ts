// What the SMS factor's steps share: its settings, clock, log, challenge records and the timing
// rules of a code (its lifetime, its attempts, the resend wait).
import type { SmsSender } from '../../sms/sender.ts';
import type { FactorDeps } from '../factor.ts';
import { type ChallengeRecord, type ChallengeStore, createChallengeStore } from './challenge-store.ts';
import { MAX_ATTEMPTS_PER_CODE } from './code.ts';
import { createSendBudget } from './send-budget.ts';

export interface SmsContext {
  deps: FactorDeps;
  sender: SmsSender;
  settings: FactorDeps['config']['sms'];
  now: () => number;
  log: FactorDeps['logger'];
  challenges: ChallengeStore;
  spendBudget: ReturnType<typeof createSendBudget>;
}

export function smsContext(deps: FactorDeps, sender: SmsSender, now: () => number): SmsContext {
  const log = deps.logger.child({ component: 'sms' });
  return {
    deps,
    sender,
    settings: deps.config.sms,
    now,
    log,
    challenges: createChallengeStore(deps, now),
    spendBudget: createSendBudget(deps, log),
  };
}

export const ttlMs = (ctx: SmsContext) => ctx.settings.codeTtlSeconds * 1000;

/** Within its lifetime and its wrong attempts. */
export const codeUsable = (ctx: SmsContext, record: ChallengeRecord, attempts: number, at: number) =>
  at < record.issuedAt + ttlMs(ctx) && attempts < MAX_ATTEMPTS_PER_CODE;

/** Seconds until a resend is allowed (0: now, or nothing sent yet). */
export const waitSeconds = (ctx: SmsContext, record: ChallengeRecord | undefined, at: number) =>
  record ? Math.max(0, Math.ceil((record.sentAt + ctx.settings.resendSeconds * 1000 - at) / 1000)) : 0;
