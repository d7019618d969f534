// V3: one code path that ends everything a user has — every session, grant, access and refresh
// token (offline ones included) and every remembered device (G4) — used by the pages, the CLI and
// any future API.
//
// Deleting stored sessions is not enough: a request in flight loads a session at its start and
// saves it at its end, and a code check racing the reset may finish after it. So the reset first
// moves the user's "valid after" epoch in the system of record; every check (the login prompt, the
// MFA step, the account pages, the token endpoint) compares the time the sign-in *began* against
// it. A sign-in that began before the reset is void wherever it ends up; one that began after it is
// stamped at or past the epoch (authTimeFor).
import { listGrantIdsOfAccount, listSessionIdsOfAccount } from '../store/ephemeral/index.ts';
import type { EphemeralStore, SystemOfRecord } from '../store/ports.ts';
import type { User } from '../store/records.ts';

/**
 * The auth time (epoch seconds) to record for a sign-in step that began at `startedAtMs` with
 * `user` as read then: never before the user's epoch, so a sign-in after a reset is valid even
 * within the reset's second; one that read the user before the reset stays before the new epoch.
 */
export function authTimeFor(user: Pick<User, 'sessionsValidAfter'>, startedAtMs: number): number {
  return Math.max(Math.floor(startedAtMs / 1000), user.sessionsValidAfter);
}

/** Is a session or token with this auth time void for the user (V3)? Unknown times are void. */
export function isVoid(user: Pick<User, 'sessionsValidAfter'>, authTime: number | undefined): boolean {
  return typeof authTime !== 'number' || !Number.isFinite(authTime) || authTime < user.sessionsValidAfter;
}

export interface EndedEverything {
  sessionsEnded: number;
  grantsRevoked: number;
}

export interface StoredSession {
  accountId?: string;
  loginTs?: number;
  /** persistsLogout: set by oidc-provider for grants with offline access, which outlive a logout. */
  authorizations?: Record<string, { grantId?: string; sid?: string; persistsLogout?: boolean }>;
}

/**
 * Told of every session endEverything destroys (I4: back-channel logout to the session's relying
 * parties). It must not throw; it is awaited, so a reset returns once the notifications are sent.
 */
export type SessionEndNotifier = (session: StoredSession & { accountId: string }) => Promise<void>;

/** The stores the ender works on, and the notifier told of each ended session. */
interface Ender {
  sor: SystemOfRecord;
  eph: EphemeralStore;
  sessions: InstanceType<EphemeralStore['OidcAdapter']>;
  grants: InstanceType<EphemeralStore['OidcAdapter']>;
  /** revokeByGrantId removes every model issued under a grant (codes, access and refresh tokens). */
  tokens: InstanceType<EphemeralStore['OidcAdapter']>;
  notifier?: SessionEndNotifier | undefined;
}

export function createSessionEnder(sor: SystemOfRecord, eph: EphemeralStore) {
  const ender: Ender = {
    sor,
    eph,
    sessions: new eph.OidcAdapter('Session'),
    grants: new eph.OidcAdapter('Grant'),
    tokens: new eph.OidcAdapter('AccessToken'),
  };
  return {
    /** I4: wired in src/app.ts once the provider exists; the CLI has none (see README). */
    setNotifier(fn: SessionEndNotifier | undefined): void {
      ender.notifier = fn;
    },
    /**
     * U7, I4: ends one session as the provider's RP-initiated logout does — the session goes, the
     * grants made under it go with their tokens unless they outlive a logout (offline access), and
     * its relying parties get a back-channel logout. False when there was no such session.
     */
    endSession: (sessionId: string): Promise<boolean> => endSession(ender, sessionId),
    /**
     * Voids every session and token of the user from now on, then removes them from the store.
     * `keep` is the acting person's own session id (a self-service change on the settings page).
     */
    endEverything: (userId: string, opts: { keep?: string } = {}): Promise<EndedEverything> =>
      endEverything(ender, userId, opts),
  };
}

async function endSession(ender: Ender, sessionId: string): Promise<boolean> {
  const { sessions } = ender;
  const session = (await sessions.find(sessionId)) as StoredSession | undefined;
  if (!session) return false;
  await sessions.destroy(sessionId);
  const ending = Object.values(session.authorizations ?? {}).filter((a) => a.grantId && !a.persistsLogout);
  await Promise.all(ending.map((a) => revokeGrant(ender, a.grantId!)));
  if (session.accountId) await notify(ender, session, session.accountId);
  return true;
}

async function endEverything(
  ender: Ender,
  userId: string,
  opts: { keep?: string },
): Promise<EndedEverything> {
  const { sor, eph, sessions } = ender;
  const validAfter = await sor.revokeSessionsBefore(userId, Math.floor(Date.now() / 1000) + 1);
  if (validAfter === undefined) return { sessionsEnded: 0, grantsRevoked: 0 };
  // G4: no browser skips the second factor after a security change, this one included.
  await sor.deleteRememberedDevicesOfUser(userId);
  const [sessionIds, indexed] = await Promise.all([
    listSessionIdsOfAccount(eph, userId),
    listGrantIdsOfAccount(eph, userId),
  ]);
  const grantIds = new Set(indexed);
  let ended = 0;
  await Promise.all(
    sessionIds.map(async (id) => {
      const session = (await sessions.find(id)) as StoredSession | undefined;
      for (const a of Object.values(session?.authorizations ?? {})) if (a.grantId) grantIds.add(a.grantId);
      if (id === opts.keep && session) return restamp(ender, id, session, validAfter);
      ended += 1;
      await sessions.destroy(id);
      await notify(ender, session, userId);
    }),
  );
  await Promise.all([...grantIds].map((id) => revokeGrant(ender, id)));
  return { sessionsEnded: ended, grantsRevoked: grantIds.size };
}

/** The acting person's own session survives (they just proved a factor): re-stamped past the epoch. */
async function restamp(ender: Ender, id: string, session: StoredSession, validAfter: number): Promise<void> {
  const { exp } = session as { exp?: number };
  const remaining = typeof exp === 'number' ? exp - Math.floor(Date.now() / 1000) : 0;
  if (remaining <= 0) return;
  await ender.sessions.upsert(
    id,
    { ...session, loginTs: Math.max(session.loginTs ?? 0, validAfter) },
    remaining,
  );
}

/** A grant and every token issued under it (codes, access and refresh tokens). */
async function revokeGrant(ender: Ender, grantId: string): Promise<void> {
  await Promise.all([ender.tokens.revokeByGrantId(grantId), ender.grants.destroy(grantId)]);
}

async function notify(ender: Ender, session: StoredSession | undefined, accountId: string): Promise<void> {
  if (!ender.notifier || !session) return;
  try {
    await ender.notifier({ ...session, accountId });
  } catch {
    // a notifier logs its own failures; delivery never blocks the reset (I4)
  }
}

export type SessionEnder = ReturnType<typeof createSessionEnder>;
