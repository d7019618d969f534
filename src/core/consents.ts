// I8: revoking a user's consent to a client (the security page): the stored consent goes, and so
// does every grant of that client for the user, with its codes, access and refresh tokens. The next
// sign-in to that client asks for consent again.
import { listGrantIdsOfAccount } from '../store/ephemeral/index.ts';
import type { EphemeralStore, SystemOfRecord } from '../store/ports.ts';

export async function revokeConsent(
  sor: SystemOfRecord,
  eph: EphemeralStore,
  userId: string,
  clientId: string,
): Promise<{ removed: boolean; grantsRevoked: number }> {
  // The consent first: a sign-in racing the revocation finds no consent to rebuild a grant from.
  const removed = await sor.deleteConsent(userId, clientId);
  const grants = new eph.OidcAdapter('Grant');
  const tokens = new eph.OidcAdapter('AccessToken'); // revokeByGrantId covers every token model
  let grantsRevoked = 0;
  for (const id of await listGrantIdsOfAccount(eph, userId)) {
    const grant = (await grants.find(id)) as { clientId?: string } | undefined;
    if (grant?.clientId !== clientId) continue;
    await Promise.all([tokens.revokeByGrantId(id), grants.destroy(id)]);
    grantsRevoked += 1;
  }
  return { removed, grantsRevoked };
}
