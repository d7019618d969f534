// Whether the sign-in page offers "Sign in with SSO" (issue 16 item 8): only when at least one
// organization has an SSO connection. One cheap SoR query, its answer kept a few seconds per
// process and shared by concurrent page views.
import type { SystemOfRecord } from '../store/ports.ts';

export const SSO_OFFERED_TTL_MS = 5_000;

export function createSsoOffered(sor: SystemOfRecord, ttlMs = SSO_OFFERED_TTL_MS): () => Promise<boolean> {
  let cached: { value: Promise<boolean>; until: number } | undefined;
  return () => {
    const now = Date.now();
    if (cached && cached.until > now) return cached.value;
    const value = sor.anySsoConnection().catch(() => {
      // The button only leads to the SSO step, which checks again: offering it when the store
      // cannot tell is harmless, and the failure is not kept.
      cached = undefined;
      return true;
    });
    cached = { value, until: now + ttlMs };
    return value;
  };
}
