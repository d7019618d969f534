// findAccount for oidc-provider: the account's claims come from the system of record. At the token
// endpoint it also re-asks the MFA policy hook (P3): a code exchange or refresh for a session that
// no longer satisfies the policy (e.g. the organization went paid, or a host's hook changed its
// mind) is refused with invalid_grant, saying why (I7) so the relying party knows to send the user
// through sign-in again; the description names no secret and no account detail.
import { type Account, errors, type FindAccount } from 'oidc-provider';
import { isVoid } from '../core/sessions.ts';
import type { MfaService } from '../mfa/service.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import type { User } from '../store/records.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** I7: the error_description of each policy refusal at the token endpoint. */
export const REFUSAL = {
  mfaRequired: 'the user must sign in again with multi-factor authentication',
  sessionsEnded: "the user's sessions were ended (security change); sign in again",
} as const;

const refuse = (description: string) => new errors.CustomOIDCProviderError('invalid_grant', description);

export const isUserId = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/**
 * The token endpoint's re-check (V3, P3) before a code exchange or refresh of `sub`: throws
 * invalid_grant when the sign-in was voided or no longer satisfies the policy. Shared by the
 * reference server's findAccount and a host's (E3: `configure()` wraps it).
 */
export async function checkAtTokenEndpoint(
  user: Pick<User, 'sessionsValidAfter'>,
  mfa: MfaService,
  sub: string,
  token: unknown,
): Promise<void> {
  const {
    amr = [],
    acr,
    authTime,
    clientId,
    sessionUid,
  } = token as { amr?: string[]; acr?: string; authTime?: number; clientId?: string; sessionUid?: string };
  // V3: a code or refresh token of a sign-in that began before the user's last reset is void
  // (invalid_grant), even one minted by a request that raced the reset.
  if (isVoid(user, authTime)) throw refuse(REFUSAL.sessionsEnded);
  // The policy hook again (P3): e.g. the organization went paid since the sign-in.
  if (await mfa.decisions.needsStep(sub, { amr, uid: sessionUid, acr }, { clientId })) {
    throw refuse(REFUSAL.mfaRequired);
  }
}

/** The reference server's accounts: claims from the system of record (the MFA re-check: configure()). */
export function findAccount(sor: SystemOfRecord): FindAccount {
  return async (_ctx, sub): Promise<Account | undefined> => {
    if (!isUserId(sub)) return undefined;
    const user = await sor.findUserById(sub);
    if (!user) return undefined;
    return {
      accountId: user.id,
      // U5: the truth — verified by an invitation or a verification link, else false.
      claims: () => ({ sub: user.id, email: user.email, email_verified: Boolean(user.emailVerifiedAt) }),
    };
  };
}
