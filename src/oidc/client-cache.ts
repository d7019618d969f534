// The stored clients, kept in process (issue 18): every request of a sign-in looks its client up
// (six of a password sign-in's fifteen PostgreSQL round trips did). A2 keeps holding — a client
// added, changed or removed is live at once on every instance — because every change is published
// on the change feed (src/store/ephemeral/change-feed.ts) and each instance drops its copy on the
// notice. Fail closed: copies are served only while the feed is live (the instance is subscribed);
// when notices may have been missed the cache is emptied, and a read that raced a notice is not
// kept. MAX_AGE_MS bounds what a change made behind the feed's back (a row edited by hand, a CLI
// without REDIS_URL) can leave stale. Unknown client ids are never kept, so a flood of made-up ids
// cannot fill it; MAX_ENTRIES bounds it anyway. The endpoints where a client authenticates and
// tokens are issued or inspected read it from the system of record every time (`fresh`), so once a
// removal has returned no instance mints or honours a token for that client, whatever the feed.
import type { ChangeFeed } from '../store/ephemeral/change-feed.ts';

export const CLIENTS_TOPIC = 'clients';
const MAX_AGE_MS = 30_000;
const MAX_ENTRIES = 1_000;

export interface ClientCache<T> {
  /**
   * The client by id, from the cache when it may be trusted, else from `load` (and kept).
   * `fresh`: always from `load` (the copy is renewed).
   */
  read(clientId: string, load: () => Promise<T | undefined>, fresh?: boolean): Promise<T | undefined>;
  /** After a change to `clientId` was committed: drops it here and tells every instance. */
  changed(clientId: string): Promise<void>;
}

export function createClientCache<T>(
  feed: ChangeFeed | undefined,
  onPublishError: (err: unknown) => void,
  now: () => number = Date.now,
): ClientCache<T> {
  const entries = new Map<string, { at: number; value: T }>();
  // Bumped by every notice: a read that began before one may hold what it replaced.
  let generation = 0;
  const subscription = feed?.subscribe(CLIENTS_TOPIC, {
    change(key) {
      generation++;
      entries.delete(key);
    },
    reset() {
      generation++;
      entries.clear();
    },
  });
  const trusted = () => subscription?.live() === true;
  return {
    async read(clientId, load, fresh = false) {
      const hit = entries.get(clientId);
      if (!fresh && hit && trusted() && now() - hit.at < MAX_AGE_MS) return hit.value;
      const before = generation;
      const value = await load();
      if (value === undefined) entries.delete(clientId);
      if (value === undefined || !trusted() || generation !== before) return value;
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
      entries.set(clientId, { at: now(), value });
      return value;
    },
    async changed(clientId) {
      generation++;
      entries.delete(clientId);
      await feed?.publish(CLIENTS_TOPIC, clientId).catch(onPublishError);
    },
  };
}
