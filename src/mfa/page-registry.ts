// The factors' pages (issue 10), one line a factor with pages of its own, like ./registry.ts.
// Kept apart from the registry so that the policy, the decision point and the CLI, which read the
// registry, never load pages.

import type { FactorType } from '../store/records.ts';
import { backupCodesPages } from './backup-codes/page-entry.ts';
import type { FactorPages } from './pages.ts';
import { passkeyPages } from './passkey/page-entry.ts';
import { moduleOf } from './registry.ts';
import { smsPages } from './sms/pages/index.ts';
import { totpPages } from './totp/pages/index.ts';

/** Strongest first (the enrollment offered first, L2; the security page's rows in this order). */
export const FACTOR_PAGES: readonly FactorPages[] = [
  passkeyPages,
  totpPages,
  smsPages,
  backupCodesPages,
].sort((a, b) => moduleOf(b.type).strength - moduleOf(a.type).strength);

export const pagesOf = (type: FactorType): FactorPages | undefined =>
  FACTOR_PAGES.find((p) => p.type === type);

/** G5: can the person prove a second factor with a code on the settings pages (a usable code method)? */
export const canProveWithCode = (usable: readonly FactorType[]): boolean =>
  FACTOR_PAGES.some((p) => p.codeProof && usable.includes(p.type));

/** The methods with an enrollment on the security settings page (/account/security/<type>). */
export const SETTINGS_ENROLLMENTS: readonly FactorType[] = FACTOR_PAGES.filter(
  (p) => p.routes?.settings && p.enroll,
).map((p) => p.type);

/**
 * The strongest code method with settings pages and an enrollment (the app): the first method a
 * person is led to add (T1's password page leads back to it unless told, G5 confirms towards it).
 */
export const FIRST_ENROLLMENT: FactorType = SETTINGS_ENROLLMENTS[0];
