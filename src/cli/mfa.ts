// CLI: the support reset of a user's MFA (R2). A support operator who has verified the identity of a
// locked-out user (typically a sole owner, whom no organization admin can reset, R1) removes all
// their factors and backup codes; the user enrolls again at the next sign-in where MFA is
// mandatory. The operator and the reason are recorded in the audit log (R3).
import pino from 'pino';
import { audit } from '../audit.ts';
import type { Config } from '../config/index.ts';
import { createSessionEnder } from '../core/sessions.ts';
import { createAttemptGuard } from '../mfa/attempts.ts';
import { createStandaloneNotifier } from '../oidc/backchannel.ts';
import { openEphemeralStore } from '../store/ephemeral/index.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import type { FactorType } from '../store/records.ts';
import { flags, print, required, UsageError } from './args.ts';
import { findUser } from './directory.ts';

const USAGE =
  'mfa reset --user EMAIL|ID --operator NAME --reason TEXT --identity-verified\n' +
  "  Removes all the user's factors and backup codes and ends their sessions (REDIS_URL).\n" +
  "  Only after verifying the person's identity through the support procedure.";

export async function mfaCommand(
  sor: SystemOfRecord,
  config: Config,
  sub: string | undefined,
  argv: string[],
): Promise<void> {
  if (sub !== 'reset') throw new UsageError(USAGE);
  const f = flags(argv, {
    user: { type: 'string' },
    operator: { type: 'string' },
    reason: { type: 'string' },
    'identity-verified': { type: 'boolean' },
  });
  // Every precondition is checked before anything changes.
  const ref = required(f, 'user').trim();
  const operator = required(f, 'operator').trim();
  const reason = required(f, 'reason').trim();
  // A3: a display name such as "jo (support)" — letters, digits, spaces and . _ @ + - ( ) , '
  // (any script); bounded, no control characters.
  if (!/^[\p{L}\p{M}\p{N} ._@+\-(),']{1,64}$/u.test(operator))
    throw new UsageError(
      "--operator must be 1-64 characters of letters, digits, spaces and . _ @ + - ( ) , '",
    );
  if (reason.length < 3 || reason.length > 500) throw new UsageError('--reason must be 3-500 characters');
  if (f['identity-verified'] !== true) {
    throw new UsageError(
      "--identity-verified is required: confirm that you verified the person's identity before resetting",
    );
  }
  const user = await findUser(sor, ref);

  const { removed, total } = await sor.transaction(async (tx) => {
    const records = await tx.listFactors(user.id);
    const byType: Partial<Record<FactorType, number>> = {};
    for (const r of records) byType[r.type] = (byType[r.type] ?? 0) + 1;
    const count = await tx.deleteFactorsOfUser(user.id);
    await audit(
      tx,
      { actorUserId: null, actorLabel: `operator:${operator}` },
      'mfa.reset',
      { userId: user.id },
      { reason, removed: byType, via: 'cli' },
    );
    return { removed: byType, total: count };
  });

  const sessions = await endSessions(config, sor, user.id).catch((err: unknown) => {
    throw new Error(
      `the factors were removed and the reset recorded, but ending the sessions failed (${String(err)}); run the command again`,
    );
  });
  print({ userId: user.id, email: user.email, removedFactors: total, removed, ...sessions });
}

/**
 * Ends everything the user has (V3, src/core/sessions.ts — the same code path as the pages): the
 * user's "valid after" epoch moves in the system of record, so every session and token from before
 * is void wherever it lives; with REDIS_URL, the sessions, grants and tokens are also removed. It
 * also lifts the per-user MFA attempt limit, so the lockout that led here does not block enrolling.
 */
async function endSessions(
  config: Config,
  sor: SystemOfRecord,
  userId: string,
): Promise<{ sessionsEnded: number | null; grantsRevoked?: number; note?: string }> {
  if (!config.redis) {
    await sor.revokeSessionsBefore(userId, Math.floor(Date.now() / 1000) + 1);
    return {
      sessionsEnded: null,
      note: "REDIS_URL is not set: every session and token of the user is void from now on; the sessions themselves are held in the server process's memory and are refused there at their next use",
    };
  }
  const eph = openEphemeralStore({ redis: config.redis, keyPrefix: config.redisKeyPrefix });
  try {
    const sessions = createSessionEnder(sor, eph);
    // I4: the ended sessions' relying parties get back-channel logout tokens; failures go to stderr.
    sessions.setNotifier(
      await createStandaloneNotifier(config, pino({ level: 'warn' }, pino.destination(2)), sor),
    );
    const ended = await sessions.endEverything(userId);
    const logger = pino({ level: 'silent' });
    await createAttemptGuard({ config, sor, eph, logger }).succeed(userId);
    return ended;
  } finally {
    await eph.close();
  }
}
