// SMS codes' pages (S1–S6): the code on the challenge page and its resend, the enrollment inside
// the sign-in, and adding or disabling a phone on the security settings page.
import type { FactorPages } from '../../pages.ts';
import { smsChallengeView, smsRoutes } from './challenge.ts';
import { enrollLink, showSmsEnrollment } from './enroll.ts';
import { smsSettingsRoutes } from './settings.ts';

export const smsPages: FactorPages = {
  type: 'sms',
  challenge: (ctx, { mfa }, step, mode) => smsChallengeView(ctx, mfa, step, mode),
  enroll: {
    link: enrollLink,
    show: showSmsEnrollment,
  },
  routes: { signIn: smsRoutes, settings: smsSettingsRoutes },
};
