// findAccount for oidc-provider: the account's claims come from the system of record.
import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import type { SystemOfRecord } from '../store/ports.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUserId = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

export function findAccount(sor: SystemOfRecord) {
  return async (_ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined> => {
    if (!isUserId(sub)) return undefined;
    const user = await sor.findUserById(sub);
    if (!user) return undefined;
    return {
      accountId: user.id,
      claims: () => ({ sub: user.id, email: user.email, email_verified: true }),
    };
  };
}
