// S6 / M3: the number is changed by removing SMS and adding it again. Where MFA is mandatory and
// SMS is the only method, removing it would leave the user without a second factor: the user must
// first add the authenticator app. (The settings page calls this; the rule lives with the factor.)
import { allowedFactorsOf, isMandatory, type MfaPolicy } from '../policy.ts';
import type { UserMfaState } from '../service.ts';

export type SmsRemoval =
  | { ok: true }
  | { ok: false; reason: 'not_enrolled'; messageKey: 'sms.remove.not_enrolled' }
  | { ok: false; reason: 'add_app_first'; messageKey: 'sms.remove.add_app_first' };

export function canRemoveSms(
  state: Pick<UserMfaState, 'user' | 'memberships' | 'enrolled'>,
  policy: MfaPolicy,
): SmsRemoval {
  if (!state.enrolled.includes('sms')) {
    return { ok: false, reason: 'not_enrolled', messageKey: 'sms.remove.not_enrolled' };
  }
  const mandatory = isMandatory(policy, {
    user: { id: state.user.id, email: state.user.email },
    memberships: state.memberships.map((m) => ({ role: m.role, org: m.org })),
    enrolled: state.enrolled,
  });
  // Backup codes are not a method of their own (they come with the app), and a locked app is not
  // listed in `enrolled`: neither keeps the user signed-in-able once SMS is gone.
  const others = allowedFactorsOf(state.enrolled).filter((f) => f !== 'sms' && f !== 'backup_code');
  if (mandatory && others.length === 0) {
    return { ok: false, reason: 'add_app_first', messageKey: 'sms.remove.add_app_first' };
  }
  return { ok: true };
}
