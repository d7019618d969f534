// SMS codes' pages (S1–S6): the code on the challenge page and its resend, the enrollment inside
// the sign-in, and adding or disabling a phone on the security settings page.
import type { FactorPages } from '../../pages.ts';
import { smsChallengeView, smsRoutes } from './challenge.ts';
import { enrollLink, showSmsEnrollment } from './enroll.ts';
import { smsProofPart } from './proof.ts';
import { smsSettingsRoutes } from './settings.ts';
import { smsSettings } from './settings-row.ts';

export const smsPages: FactorPages = {
  type: 'sms',
  codeProof: true,
  proof: { part: smsProofPart },
  challenge: (ctx, { mfa }, step, mode) => smsChallengeView(ctx, mfa, step, mode),
  enroll: {
    link: enrollLink,
    show: showSmsEnrollment,
  },
  settings: smsSettings,
  routes: { signIn: smsRoutes, settings: smsSettingsRoutes },
};
