// G5 (binding rule): with a method enrolled, adding or removing one needs a second factor completed
// within MFA_BINDING_WINDOW_SECONDS. The time is kept in the ephemeral store per session uid; it is
// recorded when the session's MFA completes at sign-in, on the settings page's own enrollment and
// on the settings page's "Confirm with your current method" form.
import type { KeyValueStore } from '../store/ports.ts';

export function createBinding(kv: KeyValueStore, windowSeconds: number) {
  const key = (sessionUid: string) => `binding:${sessionUid}`;
  return {
    windowSeconds,
    async record(sessionUid: string): Promise<void> {
      await kv.set(key(sessionUid), String(Date.now()), windowSeconds);
    },
    /** Fails closed: a store error propagates (X2's 503), it never counts as fresh. */
    async isFresh(sessionUid: string): Promise<boolean> {
      const at = Number(await kv.get(key(sessionUid)));
      return Number.isFinite(at) && at > 0 && Date.now() - at <= windowSeconds * 1000;
    },
  };
}

export type Binding = ReturnType<typeof createBinding>;
