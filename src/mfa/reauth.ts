// Re-authentication freshness (T1, S1): adding a method starts with the password, and the proof
// stays fresh for REAUTH_WINDOW_SECONDS. Marks live in the ephemeral store, bound to one flow
// (an interaction at sign-in, a session on the settings pages) and one user.
import type { KeyValueStore } from '../store/ports.ts';

export function createReauth(kv: KeyValueStore, windowSeconds: number) {
  const key = (flowKey: string) => `reauth:${flowKey}`;
  return {
    windowSeconds,
    async mark(flowKey: string, userId: string): Promise<void> {
      await kv.set(key(flowKey), `${userId}:${Math.floor(Date.now() / 1000)}`, windowSeconds);
    },
    async isFresh(flowKey: string, userId: string, passwordAt?: number): Promise<boolean> {
      const now = Math.floor(Date.now() / 1000);
      // A password typed in this very interaction (the sign-in step) counts while fresh.
      if (passwordAt !== undefined && now - passwordAt <= windowSeconds) return true;
      const value = await kv.get(key(flowKey));
      if (!value) return false;
      const [owner, at] = value.split(':');
      return owner === userId && now - Number(at) <= windowSeconds;
    },
    async clear(flowKey: string): Promise<void> {
      await kv.del(key(flowKey));
    },
  };
}

export type Reauth = ReturnType<typeof createReauth>;
