// Passkeys' row on the security settings page (M1, W4): how many, whether the sign-in uses them,
// locked (V1); the link leads to their own page (./settings.ts).
import type { FactorPages } from '../pages.ts';

export const passkeySettings: NonNullable<FactorPages['settings']> = {
  row: (_mfa, { s, preferred, locked }) => {
    const count = s.state.records.filter((r) => r.type === 'passkey').length;
    return {
      view: 'factors/passkey/settings-row',
      row: { count, usedAtSignIn: count > 0 && preferred === 'passkey', locked: locked.includes('passkey') },
    };
  },
};
