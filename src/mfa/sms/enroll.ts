// SMS enrollment (S1–S3), shared by the sign-in (P5) and the settings pages, shaped like the
// authenticator app's: `start` parses the number (any national or international format → E.164),
// refuses blocked countries and texts a code; `confirm` turns a correct code into the factor.
// Re-authentication (S1/T1) is the caller's job, with `mfa.reauth`, exactly as for the app.
import { type AuditWho, audit } from '../../audit.ts';
import type { Locale } from '../../i18n/index.ts';
import { ConflictError, type SystemOfRecord } from '../../store/ports.ts';
import type { User } from '../../store/records.ts';
import type { FactorDeps } from '../factor.ts';
import type { SmsChallengeStatus, SmsFactor, SmsSendOutcome } from './factor.ts';
import { type CountryCode, maskPhone } from './phone.ts';

export type SmsStartResult =
  | SmsSendOutcome
  | { ok: false; error: 'invalid' }
  | { ok: false; error: 'already_enrolled' };

export type SmsConfirmResult =
  | { ok: true; factorId: string; phone: string }
  | { ok: false; reason: 'incorrect' | 'expired' | 'already_enrolled' };

export interface SmsRequestContext {
  ip?: string;
  locale?: Locale;
}

export function createSmsEnrollment(deps: FactorDeps, factor: SmsFactor) {
  const { sor } = deps;
  const hasSms = async (userId: string) => factor.usable(await sor.listFactors(userId)).length > 0;

  return {
    /** Parses the number and texts a code to it (a new number in the same flow replaces the old). */
    async start(
      user: User,
      flowKey: string,
      phoneInput: string,
      country: CountryCode | undefined,
      request: SmsRequestContext = {},
    ): Promise<SmsStartResult> {
      const parsed = factor.parsePhone(phoneInput, country);
      if (!parsed.ok) {
        return parsed.reason === 'blocked'
          ? { ok: false, error: 'blocked', phone: '', country: parsed.country }
          : { ok: false, error: 'invalid' };
      }
      // S6: one phone per user; a new number is "remove, then add".
      if (await hasSms(user.id)) return { ok: false, error: 'already_enrolled' };
      return factor.send({ user, purpose: 'enroll', flowKey, phone: parsed.e164, resend: true, ...request });
    },

    /** The pending number of this flow, if a code was sent. */
    status(user: User, flowKey: string): Promise<SmsChallengeStatus | undefined> {
      return factor.status(user, 'enroll', flowKey);
    },

    /** "Resend code" for the pending number (S3: refused until the resend wait has passed). */
    async resend(user: User, flowKey: string, request: SmsRequestContext = {}) {
      const pending = await factor.status(user, 'enroll', flowKey);
      if (!pending) return undefined;
      return factor.send({
        user,
        purpose: 'enroll',
        flowKey,
        phone: pending.phone,
        resend: true,
        ...request,
      });
    },

    async confirm(user: User, flowKey: string, code: string, who: AuditWho): Promise<SmsConfirmResult> {
      const result = await factor.check({ user, purpose: 'enroll', flowKey, code });
      if (!result.ok) return { ok: false, reason: result.reason === 'invalid' ? 'incorrect' : 'expired' };
      try {
        const factorId = await saveSmsFactor(sor, user, result.phone, who);
        return { ok: true, factorId, phone: result.phone };
      } catch (err) {
        if (err instanceof ConflictError) return { ok: false, reason: 'already_enrolled' };
        throw err;
      }
    },

    cancel(user: User, flowKey: string): Promise<void> {
      return factor.discard(user, 'enroll', flowKey);
    },
  };
}

/** The proven number becomes the user's SMS factor, audited in the same transaction. */
function saveSmsFactor(sor: SystemOfRecord, user: User, phone: string, who: AuditWho): Promise<string> {
  return sor.transaction(async (tx) => {
    const created = await tx.insertFactor({ userId: user.id, type: 'sms', data: { phone } });
    await audit(tx, who, 'factor.enrolled', { userId: user.id }, { type: 'sms', phone: maskPhone(phone) });
    return created.id;
  });
}

export type SmsEnrollment = ReturnType<typeof createSmsEnrollment>;
