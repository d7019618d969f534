// E2: Deadbolt's system of record seen through a host's accounts port. The host's directory answers
// who the user is and which organizations they belong to (the policy's inputs, P1–P2); Deadbolt's
// own tables keep only what is Deadbolt's: factors, remembered devices (G4), the V3 session
// cut-off, audit events. A host account id may be any string, so those rows live under a derived
// UUID (`storageIdOf`), and the records handed back carry the host's id again. The row of `users`
// is a mirror created on first sight (no password; the e-mail shown is always the host's current one).
import { createHash } from 'node:crypto';
import type { SystemOfRecord } from '../store/ports.ts';
import type { FactorRecord, MembershipWithOrg, User } from '../store/records.ts';
import type { AccountsPort, HostAccount } from './accounts.ts';

/** The UUID under which Deadbolt's tables keep a host account (name-based, like a UUID v5). */
export function storageIdOf(accountId: string, kind: 'account' | 'org' = 'account'): string {
  const h = createHash('sha256').update(`deadbolt:host-${kind}:${accountId}`).digest().subarray(0, 16);
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Calls whose first argument is a user id. */
const BY_USER = new Set([
  'markEmailVerified',
  'setPasswordHash',
  'revokeSessionsBefore',
  'findConsent',
  'listConsents',
  'deleteConsent',
  'setMembership',
  'removeMembership',
  'deleteFactorsOfUser',
  'deleteUser',
  'setEmail',
  // G4: remembered devices (a host organization's rememberDeviceDays)
  'findRememberedDevice',
  'listRememberedDevices',
  'deleteRememberedDevice',
  'deleteRememberedDevicesOfUser',
]);
/** Calls whose first argument is an object with a `userId`. */
const WITH_USER = new Set(['insertFactor', 'saveConsent', 'createSsoLink', 'createRememberedDevice']);

const unusable = () => Promise.resolve(undefined);

/** A record (or list of them) read under `stored` carries the host's id again. */
function asHost(result: unknown, stored: string, accountId: string): unknown {
  if (Array.isArray(result)) return result.map((r) => asHost(r, stored, accountId));
  if (result && typeof result === 'object' && (result as { userId?: unknown }).userId === stored)
    return { ...result, userId: accountId };
  return result;
}

/** G4: a whole number of days, else 0 (never): a host's bad value remembers nothing (fail closed). */
const allowance = (days: unknown) =>
  Number.isSafeInteger(days) && (days as number) > 0 ? (days as number) : 0;

function membershipsOf(account: HostAccount): MembershipWithOrg[] {
  const createdAt = new Date(0);
  return account.organizations.map((o) => ({
    userId: account.accountId,
    orgId: o.id,
    role: o.role ?? 'member',
    createdAt,
    org: {
      id: o.id,
      name: o.name ?? o.id,
      plan: o.plan,
      requireMfaForAllUsers: o.requireMfaForAllUsers === true,
      ssoEnforced: o.ssoEnforced === true,
      sso: null,
      mfaEnforcedFrom: o.mfaEnforcedFrom ?? null,
      allowedMethods: o.allowedMethods ?? null,
      rememberDeviceDays: allowance(o.rememberDeviceDays),
      createdAt,
    },
  }));
}

/** The mirror row of a host account (created the first time it is seen), under the host's id and e-mail. */
async function mirrorOf(
  inner: SystemOfRecord,
  accounts: AccountsPort,
  accountId: string,
): Promise<User | undefined> {
  const account = await accounts.findAccount(accountId);
  if (!account || account.accountId !== accountId) return undefined;
  const id = storageIdOf(accountId);
  let row = await inner.findUserById(id);
  if (!row) {
    const mirror = { id, passwordHash: '', memberships: [], totpSecretEnc: null };
    const { existing } = await inner.importUsers([{ ...mirror, email: account.email }], 'host directory');
    // Another (older) mirror holds the address: the row's e-mail is never shown, any will do.
    if (existing.length > 0) await inner.importUsers([{ ...mirror, email: `${id}@host.invalid` }], 'host');
    row = await inner.findUserById(id);
    if (!row) return undefined;
  }
  return { ...row, id: accountId, email: account.email, passwordHash: '' };
}

export function hostDirectory(inner: SystemOfRecord, accounts: AccountsPort): SystemOfRecord {
  const findUserById = (accountId: string) => mirrorOf(inner, accounts, accountId);

  const own: Partial<SystemOfRecord> = {
    findUserById,
    async listMembershipsOfUser(accountId) {
      const account = await accounts.findAccount(accountId);
      return account ? membershipsOf(account) : [];
    },
    async listFactors(accountId): Promise<FactorRecord[]> {
      const records = await inner.listFactors(storageIdOf(accountId));
      return records.map((r) => ({ ...r, userId: accountId }));
    },
    async loadUserBundle(accountId) {
      const user = await findUserById(accountId);
      if (!user) return undefined;
      const [memberships, factors] = await Promise.all([
        own.listMembershipsOfUser!(accountId),
        own.listFactors!(accountId),
      ]);
      return { user, memberships, factors };
    },
    appendAudit(event) {
      const map = (id: string | null) => (id ? storageIdOf(id) : null);
      return inner.appendAudit({
        ...event,
        actorUserId: map(event.actorUserId),
        targetUserId: map(event.targetUserId),
        orgId: event.orgId ? storageIdOf(event.orgId, 'org') : null,
      });
    },
    // The host's directory owns e-mail addresses and passwords (re-authentication: the port).
    findUserByEmail: unusable,
    transaction: (fn) => inner.transaction((tx) => fn(hostDirectory(tx, accounts))),
  };

  return new Proxy(inner, {
    get(target, name, receiver) {
      if (typeof name === 'string' && name in own) return own[name as keyof SystemOfRecord];
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      if (BY_USER.has(name))
        return async (id: string, ...rest: unknown[]) =>
          asHost(await value.call(target, storageIdOf(id), ...rest), storageIdOf(id), id);
      if (WITH_USER.has(name))
        return async (input: { userId: string }) => {
          const stored = storageIdOf(input.userId);
          return asHost(await value.call(target, { ...input, userId: stored }), stored, input.userId);
        };
      return value.bind(target);
    },
  });
}
