// G2, G3, G4: the owner's rollout settings, checked the same way on the organization page and in
// the admin API: an enforcement date no further ahead than MFA_MAX_GRACE_DAYS, allowed methods
// from the factor registry (methods only; backup codes come with the app, T3), and how long a
// device may be remembered (at most REMEMBER_DEVICE_MAX_DAYS; 0: never).
import { isSupportedCountry } from 'libphonenumber-js/max';
import { FACTOR_MODULES, isMethod } from '../mfa/registry.ts';
import type { FactorType } from '../store/records.ts';

export type SettingError = {
  key:
    | 'org.grace_too_far'
    | 'org.grace_disabled'
    | 'org.methods_none'
    | 'org.remember_too_long'
    | 'org.remember_disabled';
  days?: number;
};

/** The methods an owner may allow, strongest first (no factor literals in the pages). */
export const allowableMethods = (): FactorType[] => FACTOR_MODULES.map((m) => m.type).filter(isMethod);

/** G2: the date, or why it is refused (null clears it and is always allowed). */
export function checkEnforcementDate(date: Date | null, now: number, maxDays: number): SettingError | null {
  if (date === null) return null;
  if (maxDays === 0) return { key: 'org.grace_disabled' };
  if (date.getTime() - now > maxDays * 86_400_000) return { key: 'org.grace_too_far', days: maxDays };
  return null;
}

/** G3: what to store (null: every method allowed), or an error for an empty or unknown list. */
export function checkAllowedMethods(
  values: string[],
): { ok: true; value: FactorType[] | null } | { ok: false; error: SettingError } {
  const all = allowableMethods();
  const chosen = all.filter((f) => values.includes(f));
  if (chosen.length === 0 || values.some((v) => !all.includes(v as FactorType)))
    return { ok: false, error: { key: 'org.methods_none' } };
  return { ok: true, value: chosen.length === all.length ? null : chosen };
}

/** G4: days a device may be remembered (0 always allowed: off), or why they are refused. */
export function checkRememberDays(days: number, maxDays: number): SettingError | null {
  if (!Number.isSafeInteger(days) || days < 0) return { key: 'org.remember_too_long', days: maxDays };
  if (days === 0) return null;
  if (maxDays === 0) return { key: 'org.remember_disabled' };
  if (days > maxDays) return { key: 'org.remember_too_long', days: maxDays };
  return null;
}

/**
 * Issue 16 item 5: an organization's default SMS country as stored — null for '' (none: the
 * browser's language decides), the code when SMS can be sent there, undefined when refused.
 */
export function checkSmsCountry(value: string, blocked: readonly string[]): string | null | undefined {
  if (value === '') return null;
  return /^[A-Z]{2}$/.test(value) && isSupportedCountry(value) && !blocked.includes(value)
    ? value
    : undefined;
}
