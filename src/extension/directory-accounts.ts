// E2: Deadbolt's own directory (the system of record's users and organizations) as an accounts
// port — the same contract a host implements. The reference server reads its tables directly
// (they also hold what the port does not carry: SSO connections for P2/F2); this shows the port is
// enough for the policy and is checked by the same contract test as a host's.
import { checkPassword } from '../account/credentials.ts';
import { isUserId } from '../oidc/account.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import type { AccountsPort } from './accounts.ts';

export function directoryAccounts(sor: SystemOfRecord): AccountsPort {
  return {
    async findAccount(accountId) {
      if (!isUserId(accountId)) return undefined;
      const [user, memberships] = await Promise.all([
        sor.findUserById(accountId),
        sor.listMembershipsOfUser(accountId),
      ]);
      if (!user) return undefined;
      return {
        accountId: user.id,
        email: user.email,
        organizations: memberships.map(({ role, org }) => ({
          id: org.id,
          name: org.name,
          plan: org.plan,
          requireMfaForAllUsers: org.requireMfaForAllUsers,
          ssoEnforced: org.ssoEnforced,
          role,
          mfaEnforcedFrom: org.mfaEnforcedFrom ?? null,
          allowedMethods: org.allowedMethods ?? null,
        })),
      };
    },
    async verifyPassword(accountId, password) {
      const user = isUserId(accountId) ? await sor.findUserById(accountId) : undefined;
      return Boolean(user && (await checkPassword(sor, user.email, password)));
    },
  };
}
