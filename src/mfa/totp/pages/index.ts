// The authenticator app's pages (T1–T4, M2–M4): its enrollment inside the sign-in and on the
// security settings page, and disabling it there.
import type { FactorPages } from '../../pages.ts';
import { showSignInEnrollment, totpSignInRoutes } from './enroll.ts';
import { totpSettingsRoutes } from './settings.ts';
import { totpSettings } from './settings-row.ts';

export const totpPages: FactorPages = {
  type: 'totp',
  codeProof: true,
  proof: { typed: true },
  enroll: { show: showSignInEnrollment },
  settings: totpSettings,
  routes: { signIn: totpSignInRoutes, settings: totpSettingsRoutes },
};
