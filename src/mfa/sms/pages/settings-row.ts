// SMS's row on the security settings page (M1–M3, S6, X7): shown where SMS is configured or the
// user has it; the masked number, whether the sign-in uses it; "Add", "Disable", or why it stays.
import type { FactorPages } from '../../pages.ts';
import { maskPhone } from '../phone.ts';

export const smsSettings: NonNullable<FactorPages['settings']> = {
  row: (mfa, { s, preferred, addFirst }) => {
    const enrolled = s.state.enrolled.includes('sms');
    if (!enrolled && !mfa.factors.has('sms')) return undefined;
    const phone = s.state.records.find((r) => r.type === 'sms')?.data.phone;
    return {
      view: 'factors/sms/settings-row',
      row: {
        enrolled,
        phone: typeof phone === 'string' ? maskPhone(phone) : null,
        usedAtSignIn: enrolled && preferred === 'sms',
        removable: mfa.decisions.canRemove(s.state, 'sms').ok,
        addFirst,
      },
    };
  },
};
