// Text messages (SMS) as a Factor (S3, S4, S5, L2): sends a 6-digit code to the user's phone and
// checks it, with the resend wait and the code's lifetime. Records: ./challenge-store.ts; codes:
// ./code.ts; send budgets: ./send-budget.ts.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type Locale, translator } from '../../i18n/index.ts';
import { SmsSendError, type SmsSendErrorKind, type SmsSender } from '../../sms/sender.ts';
import type { SystemOfRecord } from '../../store/ports.ts';
import type { FactorRecord, User } from '../../store/records.ts';
import {
  type ChallengeInput,
  type ChallengeState,
  type Factor,
  type FactorDeps,
  isLocked,
} from '../factor.ts';
import { type ChallengeRecord, createChallengeStore, type SmsPurpose } from './challenge-store.ts';
import { MAX_ATTEMPTS_PER_CODE, newSmsCode, normalizeSmsCode } from './code.ts';
import { smsModule } from './module.ts';
import { type CountryCode, maskPhone, parsePhone } from './phone.ts';
import { createSendBudget, type LimitScope } from './send-budget.ts';

export interface SmsSendInput {
  user: User;
  purpose: SmsPurpose;
  flowKey: string;
  /** E.164. */
  phone: string;
  /**
   * false: the page just opened, send only if this flow has no challenge yet;
   * true: the person asked for a (re)send, refused until the resend wait has passed.
   */
  resend: boolean;
  /** The client's address, for the per-IP budget (omitted: no per-IP budget applies). */
  ip?: string;
  /** Language of the message. */
  locale?: Locale;
}

export type SmsSendOutcome =
  | {
      ok: true;
      /** false when the flow already had a challenge and nothing was sent. */
      sent: boolean;
      phone: string;
      /** Seconds until a resend is allowed. */
      retryAfterSeconds: number;
      originator?: string;
    }
  | { ok: false; error: 'too_soon'; phone: string; retryAfterSeconds: number }
  | { ok: false; error: 'rate_limited'; phone: string; scope: LimitScope; retryAfterSeconds: number }
  | { ok: false; error: 'blocked'; phone: string; country: CountryCode }
  | { ok: false; error: 'send_failed'; phone: string; kind: SmsSendErrorKind };

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
  const { config, eph, logger, sor } = deps;
  const settings = config.sms;
  const now = options.now ?? Date.now;
  const log = logger.child({ component: 'sms' });
  const challenges = createChallengeStore(deps, now);
  const spendBudget = createSendBudget(deps, log);

  const ttlMs = () => settings.codeTtlSeconds * 1000;
  const usable = (records: FactorRecord[]) =>
    records.filter((r) => r.type === 'sms' && !isLocked(r) && typeof r.data.phone === 'string');

  const codeUsable = (record: ChallengeRecord, attempts: number, at: number) =>
    at < record.issuedAt + ttlMs() && attempts < MAX_ATTEMPTS_PER_CODE;
  const waitSeconds = (record: ChallengeRecord | undefined, at: number) =>
    record ? Math.max(0, Math.ceil((record.sentAt + settings.resendSeconds * 1000 - at) / 1000)) : 0;

  function messageBody(code: string, expiresAt: number, at: number, locale: Locale = 'en') {
    const minutes = Math.max(1, Math.ceil((expiresAt - at) / 60_000));
    return translator(locale)('sms.body', { issuer: config.mfa.issuerName, code, minutes });
  }

  /**
   * A page that opens sends a code only when the flow has no challenge yet; a resend is refused
   * until SMS_RESEND_SECONDS after the previous send (S3: 30 s). A resend within the first half of
   * the code's lifetime carries the same code (S3: "depending on the time elapsed, a resent code
   * may be the same"); later, a new code. Either way a code is accepted only within
   * SMS_CODE_TTL_SECONDS of its first send (NIST 800-63B §5.1.3.2: 10 min). A provider failure
   * changes nothing stored; it is logged without the code.
   */
  async function send(input: SmsSendInput): Promise<SmsSendOutcome> {
    const { user, purpose, flowKey, phone } = input;
    const parsed = parsePhone(phone, undefined, { blockedCountries: settings.blockedCountries });
    if (!parsed.ok) {
      // A stored number whose country was blocked later (configuration) is not texted either.
      if (parsed.reason === 'blocked') return { ok: false, error: 'blocked', phone, country: parsed.country };
      throw new Error('sms send: the phone number is not a valid E.164 number');
    }
    const lockKey = `sms:lock:${purpose}:${user.id}:${flowKey}`;
    const lockSeconds = Math.ceil(settings.timeoutMs / 1000) + 5;
    // One send at a time per flow: a page loaded twice at once does not text twice.
    if (!(await eph.kv.setIfAbsent(lockKey, '1', lockSeconds))) {
      return { ok: false, error: 'too_soon', phone, retryAfterSeconds: settings.resendSeconds };
    }
    try {
      const at = now();
      const existing = await challenges.load(purpose, user.id, flowKey);
      const samePhone = existing?.phone === phone;
      if (existing && samePhone && !input.resend) {
        return { ok: true, sent: false, phone, retryAfterSeconds: waitSeconds(existing, at) };
      }
      const wait = waitSeconds(existing, at);
      if (existing && wait > 0) return { ok: false, error: 'too_soon', phone, retryAfterSeconds: wait };

      const refused = await spendBudget(input, parsed.country);
      if (refused) return { ok: false, error: 'rate_limited', phone, ...refused };

      // S3: within the first half of its lifetime, a resend carries the same code.
      const reuse =
        existing !== undefined &&
        samePhone &&
        codeUsable(existing, await challenges.attemptsOf(existing), at) &&
        at - existing.issuedAt < ttlMs() / 2;
      const record: ChallengeRecord = reuse
        ? { ...existing, sentAt: at, sends: existing.sends + 1, until: challenges.recordUntil(at) }
        : {
            v: 1,
            id: randomBytes(12).toString('base64url'),
            phone,
            code: newSmsCode(),
            issuedAt: at,
            sentAt: at,
            sends: 1,
            until: challenges.recordUntil(at),
          };
      let originator: string;
      try {
        ({ originator } = await sender.send({
          to: phone,
          body: messageBody(record.code, record.issuedAt + ttlMs(), at, input.locale),
        }));
      } catch (err) {
        if (!(err instanceof SmsSendError)) throw err;
        // S5: nothing stored changes; the log has the kind of failure, never the message.
        log.warn(
          {
            sms: {
              provider: err.provider,
              kind: err.kind,
              statusCode: err.statusCode,
              providerErrorCodes: err.providerErrorCodes,
              networkCode: err.networkCode,
              to: maskPhone(phone),
              purpose,
            },
          },
          'sms send failed',
        );
        return { ok: false, error: 'send_failed', phone, kind: err.kind };
      }
      await challenges.store(purpose, user.id, flowKey, record);
      log.info(
        { sms: { to: maskPhone(phone), originator, purpose, resend: input.resend, sameCode: reuse } },
        'sms code sent',
      );
      return { ok: true, sent: true, phone, retryAfterSeconds: settings.resendSeconds, originator };
    } finally {
      await eph.kv.del(lockKey);
    }
  }

  async function status(user: User, purpose: SmsPurpose, flowKey: string) {
    const record = await challenges.load(purpose, user.id, flowKey);
    if (!record) return undefined;
    const at = now();
    return {
      phone: record.phone,
      expired: !codeUsable(record, await challenges.attemptsOf(record), at),
      retryAfterSeconds: waitSeconds(record, at),
    };
  }

  async function check(input: SmsCheckInput): Promise<SmsCheckResult> {
    const { user, purpose, flowKey } = input;
    const record = await challenges.load(purpose, user.id, flowKey);
    if (!record || (input.phone !== undefined && record.phone !== input.phone)) {
      return { ok: false, reason: 'none' };
    }
    if (now() >= record.issuedAt + ttlMs()) return { ok: false, reason: 'expired' };
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

  return {
    ...smsModule,
    usable,
    phoneOf: (records) => usable(records)[0]?.data.phone as string | undefined,
    send,
    status,
    check,
    async discard(user, purpose, flowKey) {
      await challenges.discard(purpose, user.id, flowKey);
    },
    parsePhone: (input, country) =>
      parsePhone(input, country, { blockedCountries: settings.blockedCountries }),

    /** Generic entry (Factor): `error` is an i18n key. Pages use `send`/`status` for details. */
    async challenge(input: ChallengeInput & { ip?: string; locale?: Locale }): Promise<ChallengeState> {
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
    },

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
      if (record.failedAttempts > 0) await sor.updateFactor(record.id, { failedAttempts: 0 });
      return { ok: true, factorId: record.id, amr: ['sms'] };
    },

    async disable(userId: string, target: SystemOfRecord) {
      return target.deleteFactorsOfUser(userId, ['sms']);
    },
  };
}
