// Ending a user's sessions (after a change that weakens their protection, or an MFA reset).
import { listSessionIdsOfAccount } from '../store/ephemeral/index.ts';
import type { EphemeralStore } from '../store/ports.ts';

/** Ends every session of the account except `keep`; returns how many were ended. */
export async function endSessions(eph: EphemeralStore, accountId: string, keep?: string): Promise<number> {
  const ids = (await listSessionIdsOfAccount(eph, accountId)).filter((id) => id !== keep);
  const adapter = new eph.OidcAdapter('Session');
  await Promise.all(ids.map((id) => adapter.destroy(id)));
  return ids.length;
}
