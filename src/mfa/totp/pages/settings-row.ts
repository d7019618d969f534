// The authenticator app's row on the security settings page (M1–M3, X7): set up or not, whether
// the sign-in uses it, locked (V1); "Add" or the disable form with its proof, or — the last method
// of a user for whom MFA is mandatory — why it stays, with the way forward.
import type { FactorPages } from '../../pages.ts';

export const totpSettings: NonNullable<FactorPages['settings']> = {
  row: (mfa, { s, preferred, addFirst, locked }) => {
    const enrolled = s.state.enrolled.includes('totp');
    return {
      view: 'factors/totp/settings-row',
      row: {
        enrolled,
        usedAtSignIn: enrolled && preferred === 'totp',
        locked: locked.includes('totp'),
        removable: mfa.decisions.canRemove(s.state, 'totp').ok,
        addFirst,
      },
    };
  },
};
