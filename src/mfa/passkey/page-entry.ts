// Passkeys' line in the page registry (src/mfa/page-registry.ts): their settings page
// (/account/security/passkey). Their sign-in pages are an interaction extension (./signin.ts),
// their challenge and enrollment pages the factor's own (Factor.challengePage / enrollPage).
import type { FactorPages } from '../pages.ts';
import { passkeyAccountRoutes } from './settings.ts';

export const passkeyPages: FactorPages = {
  type: 'passkey',
  routes: {
    settings: (router, { provider, services, mfa }) => passkeyAccountRoutes(router, provider, services, mfa),
  },
};
