// SMS's part of the pages that ask a second factor outside sign-in (G5's confirmation, U3 password
// change, U4 recovery, W4 passkey removal; FactorPages.proof, src/mfa/proof-form.ts): a code sent
// to the user's phone through the SMS factor (same resend wait, budgets and messages as the sign-in
// challenge, ./common.ts), checked afterwards with mfa.verify(…, 'sms', code, flowKey) — the flow
// key names the page's flow so a code sent here works only here. Once sent, the form's method
// field says so (views/factors/sms/proof-field.ejs); "Send a code by SMS" follows the form
// (views/factors/sms/proof-after.ejs).
import type { Context } from 'koa';
import type { Services } from '../../../services.ts';
import type { FactorPages, ProofMode } from '../../pages.ts';
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
const smsOnly = (state: UserMfaState) => state.usable.length === 1 && state.usable[0] === 'sms';

/**
 * The SMS part of such a page. mode 'open': send unless this flow already has a code; 'resend':
 * the person asked (refused within the resend wait); 'status': only say whether a code was sent.
 */
async function smsProof(
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

export const smsProofPart: NonNullable<FactorPages['proof']>['part'] = async (
  ctx,
  { services, mfa },
  state,
  flowKey,
  mode: ProofMode,
) => {
  // An SMS-only user gets the code as the page opens (once per flow; resend on request).
  const own = mode === 'open' && !smsOnly(state) ? 'status' : mode;
  const view = await smsProof(ctx, services, mfa, state, flowKey, own);
  if (!view.phone) return undefined;
  return {
    type: 'sms',
    field: 'factors/sms/proof-field',
    after: 'factors/sms/proof-after',
    data: { phone: view.phone, sent: view.sent },
    notice: view.notice,
    error: view.error,
    status: view.status,
  };
};
