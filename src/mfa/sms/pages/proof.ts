// The SMS path of the pages that ask a second factor outside sign-in (U4 recovery, U3 password
// change): a code sent to the user's phone through the SMS factor (same resend wait, budgets and
// messages as the sign-in challenge, ./common.ts), checked afterwards with
// mfa.verify(…, 'sms', code, flowKey) — the flow key names the page's flow so a code sent here
// works only here.
import type { Context } from 'koa';
import type { Services } from '../../../services.ts';
import type { FactorType } from '../../../store/records.ts';
import { normalizeBackupCode } from '../../backup-codes/codes.ts';
import type { MfaService, UserMfaState } from '../../service.ts';
import { maskPhone } from '../phone.ts';
import { describeSend, sendSigninCode, smsParts, tOf } from './common.ts';

export interface SmsProofView {
  /** The masked number, when the user can get a code by SMS. */
  phone: string | null;
  /** A code was sent (or is on its way) for this flow: the form checks it as an SMS code. */
  sent: boolean;
  notice?: string;
  error?: string;
  status?: number;
}

/** Only SMS is usable: the page sends the code as it opens. */
export const smsOnly = (state: UserMfaState) => state.usable.length === 1 && state.usable[0] === 'sms';

/**
 * The SMS part of such a page. mode 'open': send unless this flow already has a code; 'resend':
 * the person asked (refused within the resend wait); 'status': only say whether a code was sent.
 */
export async function smsProof(
  ctx: Context,
  services: Services,
  mfa: MfaService,
  state: UserMfaState,
  flowKey: string,
  mode: 'open' | 'resend' | 'status',
): Promise<SmsProofView> {
  const parts = smsParts(services, mfa);
  const phone = state.usable.includes('sms') ? parts?.factor.phoneOf(state.records) : undefined;
  if (!parts || !phone) return { phone: null, sent: false };
  const view: SmsProofView = { phone: maskPhone(phone), sent: false };
  if (mode !== 'status') {
    const outcome = await sendSigninCode(ctx, parts.factor, { user: state.user, flowKey, phone }, mode);
    describeSend(ctx, view, outcome, mode === 'resend');
    if (outcome.ok && outcome.sent && !view.notice)
      view.notice = tOf(ctx)('recover.sms_sent', { phone: maskPhone(phone) });
  }
  view.sent = (await parts.factor.status(state.user, 'signin', flowKey)) !== undefined;
  return view;
}

/** Which method a submitted code is for: a backup code, the SMS code sent here, or the app. */
export function proofMethod(state: UserMfaState, code: string, method: string | undefined): FactorType {
  if (normalizeBackupCode(code) && state.enrolled.includes('totp')) return 'backup_code';
  if (method === 'sms' && state.usable.includes('sms')) return 'sms';
  return state.usable.includes('totp') ? 'totp' : (state.usable[0] ?? state.enrolled[0]);
}
