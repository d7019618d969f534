// S6 / M3: the number is changed by removing SMS and adding it again. Where MFA is mandatory and
// SMS is the only method, removing it would leave the user without a second factor: the user must
// first add the authenticator app. (The settings page calls this; the rule lives with the factor.)
import { createDecisionPoint, type DecisionState } from '../../core/decision.ts';
import type { MfaPolicy } from '../policy.ts';

export type SmsRemoval =
  | { ok: true }
  | { ok: false; reason: 'not_enrolled'; messageKey: 'sms.remove.not_enrolled' }
  | { ok: false; reason: 'add_app_first'; messageKey: 'sms.remove.add_app_first' };

/** The decision point's answer (src/core/decision.ts canRemove) in the SMS pages' words. */
export function canRemoveSms(state: DecisionState, policy: MfaPolicy): SmsRemoval {
  const removal = createDecisionPoint({
    policy,
    load: async () => undefined,
    ssoMark: async () => ({}),
  }).canRemove(state, 'sms');
  if (removal.ok) return removal;
  return removal.reason === 'not_enrolled'
    ? { ok: false, reason: 'not_enrolled', messageKey: 'sms.remove.not_enrolled' }
    : { ok: false, reason: 'add_app_first', messageKey: 'sms.remove.add_app_first' };
}
