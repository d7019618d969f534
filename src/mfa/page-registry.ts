// The factors' pages (issue 10), one line a factor with pages of its own, like ./registry.ts.
// Kept apart from the registry so that the policy, the decision point and the CLI, which read the
// registry, never load pages.
import type { FactorType } from '../store/records.ts';
import type { FactorPages } from './pages.ts';
import { passkeyPages } from './passkey/page-entry.ts';
import { moduleOf } from './registry.ts';
import { smsPages } from './sms/pages/index.ts';
import { totpPages } from './totp/pages/index.ts';

/** Strongest first (the enrollment offered first, L2). */
export const FACTOR_PAGES: readonly FactorPages[] = [passkeyPages, totpPages, smsPages].sort(
  (a, b) => moduleOf(b.type).strength - moduleOf(a.type).strength,
);

export const pagesOf = (type: FactorType): FactorPages | undefined =>
  FACTOR_PAGES.find((p) => p.type === type);
