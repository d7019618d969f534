// G2: the choice "Set up now" on a grace reminder, kept for the interaction (its enrollment steps
// redirect back to it) in the ephemeral store.
import type { KeyValueStore } from '../store/ports.ts';

export function createGraceSetup(kv: KeyValueStore) {
  const key = (uid: string) => `grace-setup:${uid}`;
  return {
    async choose(uid: string, userId: string): Promise<void> {
      await kv.set(key(uid), userId, 3600);
    },
    async chosen(uid: string, userId: string): Promise<boolean> {
      return (await kv.get(key(uid))) === userId;
    },
  };
}

export type GraceSetup = ReturnType<typeof createGraceSetup>;
