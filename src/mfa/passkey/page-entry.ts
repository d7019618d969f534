// Passkeys' line in the page registry (src/mfa/page-registry.ts): the MFA step's passkey routes
// (W1, W2) and the settings page (/account/security/passkey). The sign-in page's passkey button is
// an interaction extension (./signin.ts), its row on the security page ./settings-row.ts; the challenge and enrollment pages are the factor's own
// (Factor.challengePage / enrollPage).
import type { FactorPages } from '../pages.ts';
import { passkeyAccountRoutes } from './settings.ts';
import { passkeySettings } from './settings-row.ts';
import { passkeySignInRoutes } from './signin.ts';

export const passkeyPages: FactorPages = {
  type: 'passkey',
  settings: passkeySettings,
  routes: {
    signIn: passkeySignInRoutes,
    settings: passkeyAccountRoutes,
  },
};
