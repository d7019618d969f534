// E2, M1, R2, R3, V3: `deadbolt.users` — what a host's own support tools need of Deadbolt for one
// account: the MFA decision, the enrolled methods (no secrets), and the support reset. The reset is
// the CLI's `mfa reset` (src/cli/mfa-local.ts) for a host's directory: every factor and backup code
// removed in one transaction with its audit event (actor label and reason, R3), then everything the
// account has ended through the one code path the pages use (V3, `mfa.sessions.endEverything`).
// The notice to the person (U6) follows from the audit event (src/core/notifications.ts).
import { audit } from '../audit.ts';
import { isLocked } from '../mfa/factor.ts';
import type { MfaDecision } from '../mfa/policy.ts';
import { moduleOf } from '../mfa/registry.ts';
import type { MfaService } from '../mfa/service.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import type { FactorRecord, FactorType } from '../store/records.ts';
import { DeadboltUsersError } from './errors.ts';

/** One enrolled method of an account, as a support tool may show it (never a secret). */
export interface UserMethod {
  type: FactorType;
  /** When it was added (for backup codes: the current set). */
  createdAt: Date;
  /** Its last successful use, where known (for backup codes: the last code used). */
  lastUsedAt: Date | null;
  /** Locked after too many wrong codes (V1); it still counts as enrolled. */
  locked: boolean;
  /** SMS: the phone number masked as the security page shows it, e.g. `+81 •• •••• 5678`. */
  phone?: string;
  /** Backup codes: how many are left unused. */
  remaining?: number;
}

/** Who resets, and why (R2, R3): what the CLI's `--operator`, `--reason`, `--identity-verified` say. */
export interface ResetRequest {
  /** The support person or tool, recorded as the audit event's actor (`host:<actor>`); 1–64 characters. */
  actor: string;
  /** Why, recorded with the event; 3–500 characters. */
  reason: string;
  /** Must be `true`: the person's identity was verified through the support procedure. */
  identityVerified: boolean;
}

/** What a reset did. */
export interface ResetResult {
  /** Factor records removed (each backup code is one). */
  factorsRemoved: number;
  /** The same by type, e.g. `{ totp: 1, backup_code: 4, sms: 1 }`. */
  removed: Partial<Record<FactorType, number>>;
  /** Sessions ended (their grants, access and refresh tokens with them). */
  sessionsEnded: number;
}

/** `deadbolt.users`: one account of the host's directory, by its account id. */
export interface DeadboltUsers {
  /** The MFA decision for the account right now (e.g. for the host's own settings page); undefined: no such account. */
  decide(accountId: string): Promise<MfaDecision | undefined>;
  /** M1: the account's enrolled methods (empty: none); undefined: no such account. */
  methods(accountId: string): Promise<UserMethod[] | undefined>;
  /**
   * R2: the support reset — removes every factor and backup code, ends every session, grant and
   * token of the account (V3), records the actor and reason (R3) and notifies the person (U6). The
   * person enrolls again at the next sign-in where MFA is mandatory. Undefined: no such account.
   * Throws DeadboltUsersError, changing nothing, when `actor`, `reason` or `identityVerified` is missing.
   */
  reset(accountId: string, request: ResetRequest): Promise<ResetResult | undefined>;
}

// The CLI's rule for --operator (src/cli/mfa.ts): a display name, bounded, no control characters.
const ACTOR = /^[\p{L}\p{M}\p{N} ._@+\-(),']{1,64}$/u;

function checked(request: ResetRequest | undefined): { actor: string; reason: string } {
  const actor = typeof request?.actor === 'string' ? request.actor.trim() : '';
  const reason = typeof request?.reason === 'string' ? request.reason.trim() : '';
  if (!ACTOR.test(actor))
    throw new DeadboltUsersError(
      'actor',
      "reset() needs { actor }: 1-64 characters of letters, digits, spaces and . _ @ + - ( ) , '",
    );
  if (reason.length < 3 || reason.length > 500)
    throw new DeadboltUsersError('reason', 'reset() needs { reason }: 3-500 characters saying why');
  if (request?.identityVerified !== true)
    throw new DeadboltUsersError(
      'identityVerified',
      "reset() needs { identityVerified: true }: verify the person's identity before resetting",
    );
  return { actor, reason };
}

const latest = (dates: (Date | null)[]) =>
  dates.reduce<Date | null>((a, d) => (d && (!a || d > a) ? d : a), null);

/** The records as methods: one entry a record, a companion's (backup codes) as one with the count left. */
export function methodsOf(mfa: MfaService, records: FactorRecord[]): UserMethod[] {
  const view = (r: FactorRecord): UserMethod => ({
    type: r.type,
    createdAt: r.createdAt,
    lastUsedAt: r.usedAt,
    locked: isLocked(r),
    ...moduleOf(r.type).describe?.(r),
  });
  const grouped = (r: FactorRecord) => moduleOf(r.type).companionOf !== undefined;
  const methods = records.filter((r) => !grouped(r)).map(view);
  const companions = [...new Set(records.filter(grouped).map((r) => r.type))].map((type) => {
    const of = records.filter((r) => r.type === type);
    return {
      type,
      createdAt: new Date(Math.min(...of.map((r) => r.createdAt.getTime()))),
      lastUsedAt: latest(of.map((r) => r.usedAt)),
      locked: of.some(isLocked),
      remaining: mfa.factors.get(type)?.usable(of).length ?? 0,
    };
  });
  return [...methods, ...companions];
}

export function createUsers(sor: SystemOfRecord, mfa: MfaService): DeadboltUsers {
  /** The account's state; undefined for an id that is no string or an account nobody knows. */
  const load = (accountId: unknown) =>
    typeof accountId === 'string' && accountId.length > 0 ? mfa.load(accountId) : Promise.resolve(undefined);
  return {
    async decide(accountId) {
      const state = await load(accountId);
      return state && mfa.decide(state, {});
    },
    async methods(accountId) {
      const state = await load(accountId);
      return state && methodsOf(mfa, state.records);
    },
    async reset(accountId, request) {
      const who = checked(request); // every precondition before anything changes
      const state = await load(accountId);
      if (!state) return undefined;
      const userId = state.user.id;
      const { removed, total } = await sor.transaction(async (tx) => {
        const byType: Partial<Record<FactorType, number>> = {};
        for (const r of await tx.listFactors(userId)) byType[r.type] = (byType[r.type] ?? 0) + 1;
        const count = await tx.deleteFactorsOfUser(userId);
        const actor = { actorUserId: null, actorLabel: `host:${who.actor}` };
        const details = { reason: who.reason, removed: byType, via: 'host' };
        await audit(tx, actor, 'mfa.reset', { userId }, details);
        return { removed: byType, total: count };
      });
      const ended = await mfa.sessions.endEverything(userId); // V3
      await mfa.guard.succeed(userId); // lifts the lockout that led here, as the CLI does
      return { factorsRemoved: total, removed, sessionsEnded: ended.sessionsEnded };
    },
  };
}
