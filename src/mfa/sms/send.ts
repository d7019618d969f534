// Sending an SMS code (S3, S4, S5): the per-flow lock, the resend wait, the send budgets, the same
// or a new code, the provider call and its failure log (never with the code).
import { randomBytes } from 'node:crypto';
import { type Locale, translator } from '../../i18n/index.ts';
import { SmsSendError, type SmsSendErrorKind } from '../../sms/sender.ts';
import type { User } from '../../store/records.ts';
import type { ChallengeRecord, SmsPurpose } from './challenge-store.ts';
import { newSmsCode } from './code.ts';
import { codeUsable, type SmsContext, ttlMs, waitSeconds } from './codes-context.ts';
import { type CountryCode, maskPhone, parsePhone } from './phone.ts';
import type { LimitScope } from './send-budget.ts';

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

/**
 * A page that opens sends a code only when the flow has no challenge yet; a resend is refused
 * until SMS_RESEND_SECONDS after the previous send (S3: 30 s). A resend within the first half of
 * the code's lifetime carries the same code (S3: "depending on the time elapsed, a resent code
 * may be the same"); later, a new code. Either way a code is accepted only within
 * SMS_CODE_TTL_SECONDS of its first send (NIST 800-63B §5.1.3.2: 10 min). A provider failure
 * changes nothing stored; it is logged without the code.
 */
export async function sendSmsCode(ctx: SmsContext, input: SmsSendInput): Promise<SmsSendOutcome> {
  const { user, purpose, flowKey, phone } = input;
  const { settings } = ctx;
  const parsed = parsePhone(phone, undefined, { blockedCountries: settings.blockedCountries });
  if (!parsed.ok) {
    // A stored number whose country was blocked later (configuration) is not texted either.
    if (parsed.reason === 'blocked') return { ok: false, error: 'blocked', phone, country: parsed.country };
    throw new Error('sms send: the phone number is not a valid E.164 number');
  }
  const lockKey = `sms:lock:${purpose}:${user.id}:${flowKey}`;
  const lockSeconds = Math.ceil(settings.timeoutMs / 1000) + 5;
  const { kv } = ctx.deps.eph;
  // One send at a time per flow: a page loaded twice at once does not text twice.
  if (!(await kv.setIfAbsent(lockKey, '1', lockSeconds))) {
    return { ok: false, error: 'too_soon', phone, retryAfterSeconds: settings.resendSeconds };
  }
  try {
    return await sendUnderLock(ctx, input, parsed.country);
  } finally {
    await kv.del(lockKey);
  }
}

async function sendUnderLock(
  ctx: SmsContext,
  input: SmsSendInput,
  country: CountryCode,
): Promise<SmsSendOutcome> {
  const { user, purpose, flowKey, phone } = input;
  const at = ctx.now();
  const existing = await ctx.challenges.load(purpose, user.id, flowKey);
  if (existing && existing.phone === phone && !input.resend) {
    return { ok: true, sent: false, phone, retryAfterSeconds: waitSeconds(ctx, existing, at) };
  }
  const wait = waitSeconds(ctx, existing, at);
  if (existing && wait > 0) return { ok: false, error: 'too_soon', phone, retryAfterSeconds: wait };

  const refused = await ctx.spendBudget(input, country);
  if (refused) return { ok: false, error: 'rate_limited', phone, ...refused };

  const { record, reuse } = await nextRecord(ctx, existing, phone, at);
  const delivered = await deliver(ctx, input, record, at);
  if ('error' in delivered) return delivered;
  await ctx.challenges.store(purpose, user.id, flowKey, record);
  ctx.log.info(
    {
      sms: {
        to: maskPhone(phone),
        originator: delivered.originator,
        purpose,
        resend: input.resend,
        sameCode: reuse,
      },
    },
    'sms code sent',
  );
  return {
    ok: true,
    sent: true,
    phone,
    retryAfterSeconds: ctx.settings.resendSeconds,
    originator: delivered.originator,
  };
}

/** S3: within the first half of its lifetime, a resend carries the same code; else a new one. */
async function nextRecord(
  ctx: SmsContext,
  existing: ChallengeRecord | undefined,
  phone: string,
  at: number,
): Promise<{ record: ChallengeRecord; reuse: boolean }> {
  const { challenges } = ctx;
  const reuse =
    existing !== undefined &&
    existing.phone === phone &&
    codeUsable(ctx, existing, await challenges.attemptsOf(existing), at) &&
    at - existing.issuedAt < ttlMs(ctx) / 2;
  if (reuse) {
    return {
      record: { ...existing, sentAt: at, sends: existing.sends + 1, until: challenges.recordUntil(at) },
      reuse,
    };
  }
  const record: ChallengeRecord = {
    v: 1,
    id: randomBytes(12).toString('base64url'),
    phone,
    code: newSmsCode(),
    issuedAt: at,
    sentAt: at,
    sends: 1,
    until: challenges.recordUntil(at),
  };
  return { record, reuse };
}

function messageBody(ctx: SmsContext, code: string, expiresAt: number, at: number, locale: Locale = 'en') {
  const minutes = Math.max(1, Math.ceil((expiresAt - at) / 60_000));
  return translator(locale)('sms.body', { issuer: ctx.deps.config.mfa.issuerName, code, minutes });
}

/** The provider call; S5: on its failure nothing stored changes and the log has only its kind. */
async function deliver(
  ctx: SmsContext,
  input: SmsSendInput,
  record: ChallengeRecord,
  at: number,
): Promise<{ originator: string } | Extract<SmsSendOutcome, { error: 'send_failed' }>> {
  const { phone, purpose } = input;
  try {
    const { originator } = await ctx.sender.send({
      to: phone,
      body: messageBody(ctx, record.code, record.issuedAt + ttlMs(ctx), at, input.locale),
    });
    return { originator };
  } catch (err) {
    if (!(err instanceof SmsSendError)) throw err;
    ctx.log.warn(
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
}
