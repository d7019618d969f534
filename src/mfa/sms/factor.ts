// Text messages (SMS) as a Factor (S3, S4, S5, L2): sends a 6-digit code to the user's phone and
// checks it, with the resend wait and the code's lifetime. Sending: ./send.ts; records:
// ./challenge-store.ts; codes: ./code.ts; send budgets: ./send-budget.ts.
import { timingSafeEqual } from 'node:crypto';
import type { Locale } from '../../i18n/index.ts';
import type { SmsSender } from '../../sms/sender.ts';
import type { SystemOfRecord } from '../../store/ports.ts';
import type { FactorRecord, User } from '../../store/records.ts';
import {
  type ChallengeInput,
  type ChallengeState,
  type Factor,
  type FactorDeps,
  isLocked,
} from '../factor.ts';
import type { SmsPurpose } from './challenge-store.ts';
import { MAX_ATTEMPTS_PER_CODE, normalizeSmsCode } from './code.ts';
import { codeUsable, type SmsContext, smsContext, ttlMs, waitSeconds } from './codes-context.ts';
import { smsModule } from './module.ts';
import { type CountryCode, maskPhone, parsePhone } from './phone.ts';
import { type SmsSendInput, type SmsSendOutcome, sendSmsCode } from './send.ts';

export type { SmsSendInput, SmsSendOutcome } from './send.ts';

export interface SmsChallengeStatus {
  phone: string;
  /** The code can no longer be used (lifetime over, or too many wrong attempts): resend. */
  expired: boolean;
  /** Seconds until a resend is allowed (0: now). */
  retryAfterSeconds: number;
}

export type SmsCheckResult =
  | { ok: true; phone: string }
  | { ok: false; reason: 'none' | 'expired' | 'invalid' | 'replay' };

export interface SmsCheckInput {
  user: User;
  purpose: SmsPurpose;
  flowKey: string;
  code: string;
  /** When given, a challenge for another number does not count. */
  phone?: string;
}

export interface SmsFactor extends Factor {
  readonly type: 'sms';
  /** The phone of the user's usable SMS factor. */
  phoneOf(records: FactorRecord[]): string | undefined;
  send(input: SmsSendInput): Promise<SmsSendOutcome>;
  status(user: User, purpose: SmsPurpose, flowKey: string): Promise<SmsChallengeStatus | undefined>;
  /** Checks a code; on success the challenge is consumed (single use). */
  check(input: SmsCheckInput): Promise<SmsCheckResult>;
  discard(user: User, purpose: SmsPurpose, flowKey: string): Promise<void>;
  /** Blocked-country list and parsing with it (S2). */
  parsePhone(input: string, country?: CountryCode): ReturnType<typeof parsePhone>;
}

export interface SmsFactorOptions {
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

export function isSmsFactor(factor: Factor | undefined): factor is SmsFactor {
  return factor?.type === 'sms' && typeof (factor as Partial<SmsFactor>).send === 'function';
}

export function createSmsFactor(
  deps: FactorDeps,
  sender: SmsSender,
  options: SmsFactorOptions = {},
): SmsFactor {
  const ctx = smsContext(deps, sender, options.now ?? Date.now);
  const { blockedCountries } = deps.config.sms;
  const send = (input: SmsSendInput) => sendSmsCode(ctx, input);
  const check = (input: SmsCheckInput) => checkSmsCode(ctx, input);
  return {
    ...smsModule,
    usable,
    phoneOf: (records) => usable(records)[0]?.data.phone as string | undefined,
    send,
    status: (user, purpose, flowKey) => challengeStatus(ctx, user, purpose, flowKey),
    check,
    async discard(user, purpose, flowKey) {
      await ctx.challenges.discard(purpose, user.id, flowKey);
    },
    parsePhone: (input, country) => parsePhone(input, country, { blockedCountries }),
    challenge: (input) => signinChallenge(send, input),
    async verify({ user, records, code, flowKey }) {
      const record = usable(records)[0];
      if (!record) return { ok: false, reason: 'invalid' };
      const result = await check({
        user,
        purpose: 'signin',
        flowKey,
        code,
        phone: record.data.phone as string,
      });
      if (!result.ok) {
        const reason = result.reason === 'none' ? 'expired' : result.reason;
        return { ok: false, reason, factorId: record.id };
      }
      if (record.failedAttempts > 0) await deps.sor.updateFactor(record.id, { failedAttempts: 0 });
      return { ok: true, factorId: record.id, amr: ['sms'] };
    },
    async disable(userId: string, target: SystemOfRecord) {
      return target.deleteFactorsOfUser(userId, ['sms']);
    },
  };
}

const usable = (records: FactorRecord[]) =>
  records.filter((r) => r.type === 'sms' && !isLocked(r) && typeof r.data.phone === 'string');

async function challengeStatus(
  ctx: SmsContext,
  user: User,
  purpose: SmsPurpose,
  flowKey: string,
): Promise<SmsChallengeStatus | undefined> {
  const record = await ctx.challenges.load(purpose, user.id, flowKey);
  if (!record) return undefined;
  const at = ctx.now();
  return {
    phone: record.phone,
    expired: !codeUsable(ctx, record, await ctx.challenges.attemptsOf(record), at),
    retryAfterSeconds: waitSeconds(ctx, record, at),
  };
}

async function checkSmsCode(ctx: SmsContext, input: SmsCheckInput): Promise<SmsCheckResult> {
  const { user, purpose, flowKey } = input;
  const { challenges } = ctx;
  const record = await challenges.load(purpose, user.id, flowKey);
  if (!record || (input.phone !== undefined && record.phone !== input.phone)) {
    return { ok: false, reason: 'none' };
  }
  if (ctx.now() >= record.issuedAt + ttlMs(ctx)) return { ok: false, reason: 'expired' };
  // Every check spends one of the code's attempts first (atomic), so concurrent guesses cannot
  // get past the bound; a wrong code leaves the challenge as it is.
  const attempt = await challenges.countAttempt(record);
  if (attempt > MAX_ATTEMPTS_PER_CODE) return { ok: false, reason: 'expired' };
  const code = normalizeSmsCode(input.code);
  const match = code !== undefined && timingSafeEqual(Buffer.from(code), Buffer.from(record.code));
  if (!match) return { ok: false, reason: 'invalid' };
  // Single use: of two requests racing with the right code, only the one that takes it wins.
  const mine = await challenges.take(purpose, user.id, flowKey);
  if (!mine || mine.id !== record.id) return { ok: false, reason: 'replay' };
  return { ok: true, phone: record.phone };
}

/** Generic entry (Factor): `error` is an i18n key. Pages use `send`/`status` for details. */
async function signinChallenge(
  send: (input: SmsSendInput) => Promise<SmsSendOutcome>,
  input: ChallengeInput & { ip?: string; locale?: Locale },
): Promise<ChallengeState> {
  const phone = usable(input.records)[0]?.data.phone as string | undefined;
  if (!phone) return { error: 'sms.unavailable' };
  const outcome = await send({ ...input, purpose: 'signin', phone });
  const sentTo = maskPhone(phone);
  if (outcome.ok) return { sentTo, retryAfterSeconds: outcome.retryAfterSeconds };
  switch (outcome.error) {
    case 'too_soon':
      return { sentTo, retryAfterSeconds: outcome.retryAfterSeconds };
    case 'rate_limited':
      return { sentTo, retryAfterSeconds: outcome.retryAfterSeconds, error: 'sms.rate_limited' };
    case 'blocked':
      return { sentTo, error: 'sms.unavailable' };
    default:
      return { sentTo, error: 'sms.send_failed' };
  }
}
