// Ending a user's sessions (after a change that weakens their protection, or an MFA reset): each
// session goes, and so does every grant issued under it — its refresh and access tokens included,
// which would otherwise outlive the session (their amr still says "mfa").
import { listSessionIdsOfAccount } from '../store/ephemeral/index.ts';
import type { EphemeralStore } from '../store/ports.ts';

/** Ends every session of the account except `keep`; returns how many were ended. */
export async function endSessions(eph: EphemeralStore, accountId: string, keep?: string): Promise<number> {
  const ids = (await listSessionIdsOfAccount(eph, accountId)).filter((id) => id !== keep);
  const sessions = new eph.OidcAdapter('Session');
  const grants = new eph.OidcAdapter('Grant');
  const tokens = new eph.OidcAdapter('RefreshToken');
  await Promise.all(
    ids.map(async (id) => {
      const session = (await sessions.find(id)) as
        | { authorizations?: Record<string, { grantId?: string }> }
        | undefined;
      const grantIds = Object.values(session?.authorizations ?? {})
        .map((a) => a.grantId)
        .filter((g): g is string => typeof g === 'string');
      await Promise.all(grantIds.map((g) => Promise.all([tokens.revokeByGrantId(g), grants.destroy(g)])));
      await sessions.destroy(id);
    }),
  );
  return ids.length;
}
