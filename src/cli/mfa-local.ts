// CLI, local adapter: the support reset of a user's MFA (R2) against the system of record. Removes
// every factor and backup code in one transaction with its audit row (R3), then ends everything
// the user has through the one code path the pages use (V3, src/core/sessions.ts).
import pino from 'pino';
import { audit } from '../audit.ts';
import type { Config } from '../config/index.ts';
import { createSessionEnder } from '../core/sessions.ts';
import { createAttemptGuard } from '../mfa/attempts.ts';
import { createStandaloneNotifier } from '../oidc/backchannel.ts';
import { openEphemeralStore } from '../store/ephemeral/index.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import type { FactorType } from '../store/records.ts';
import type { MfaResetOut, UserOut } from './port.ts';

export async function resetMfaLocally(
  sor: SystemOfRecord,
  config: Config,
  user: UserOut,
  who: { operator: string; reason: string },
): Promise<MfaResetOut> {
  const { removed, total } = await sor.transaction(async (tx) => {
    const records = await tx.listFactors(user.id);
    const byType: Partial<Record<FactorType, number>> = {};
    for (const r of records) byType[r.type] = (byType[r.type] ?? 0) + 1;
    const count = await tx.deleteFactorsOfUser(user.id);
    await audit(
      tx,
      { actorUserId: null, actorLabel: `operator:${who.operator}` },
      'mfa.reset',
      { userId: user.id },
      { reason: who.reason, removed: byType, via: 'cli' },
    );
    return { removed: byType, total: count };
  });

  const sessions = await endSessions(config, sor, user.id).catch((err: unknown) => {
    throw new Error(
      `the factors were removed and the reset recorded, but ending the sessions failed (${String(err)}); run the command again`,
    );
  });
  return { userId: user.id, email: user.email, removedFactors: total, removed, ...sessions };
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
