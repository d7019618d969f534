// Authenticator-app enrollment (T2, T3), shared by the sign-in (P5) and the settings pages.
// The pending secret waits in the ephemeral store, sealed and bound to the user; only a correct
// code activates it, and activation hands out the 4 backup codes exactly once.
import { type AuditWho, audit } from '../../audit.ts';
import { afterCommit } from '../../core/after-commit.ts';
import { open, seal } from '../../crypto/sealed.ts';
import { ConflictError } from '../../store/ports.ts';
import type { User } from '../../store/records.ts';
import { newBackupCodes } from '../backup-codes/factor.ts';
import type { FactorDeps } from '../factor.ts';
import { totpAad } from './factor.ts';
import { createTotpSecret, formatSecretForDisplay, totpQrSvg, totpUri, verifyTotp } from './totp.ts';

const PENDING_TTL_SECONDS = 15 * 60;

export interface PendingTotp {
  uri: string;
  qrSvg: string;
  secretForDisplay: string;
}

export type ConfirmResult =
  | { ok: true; backupCodes: string[]; factorId: string }
  | { ok: false; reason: 'incorrect' | 'expired' | 'already_enrolled' };

export function createTotpEnrollment(deps: FactorDeps) {
  const { config, eph, sor } = deps;
  const key = (flowKey: string, userId: string) => `enroll:totp:${userId}:${flowKey}`;

  async function describe(user: User, secret: string): Promise<PendingTotp> {
    const uri = totpUri({ issuer: config.mfa.issuerName, accountName: user.email, secret });
    return { uri, qrSvg: await totpQrSvg(uri), secretForDisplay: formatSecretForDisplay(secret) };
  }

  return {
    /** The pending secret for this flow, or a new one (restart: always a new one). */
    async start(user: User, flowKey: string, restart = false): Promise<PendingTotp> {
      const existing = restart ? undefined : await eph.kv.get(key(flowKey, user.id));
      if (existing) return describe(user, open(config.factorKeys, existing, totpAad(user.id)));
      const secret = createTotpSecret();
      await eph.kv.set(
        key(flowKey, user.id),
        seal(config.factorKeys, secret, totpAad(user.id)),
        PENDING_TTL_SECONDS,
      );
      return describe(user, secret);
    },

    async confirm(user: User, flowKey: string, code: string, who: AuditWho): Promise<ConfirmResult> {
      const sealed = await eph.kv.get(key(flowKey, user.id));
      if (!sealed) return { ok: false, reason: 'expired' };
      const secret = open(config.factorKeys, sealed, totpAad(user.id));
      const result = await verifyTotp({ secret, token: code, lastStep: null });
      if (!result.ok) return { ok: false, reason: 'incorrect' };
      const { codes, rows } = await newBackupCodes(user.id);
      try {
        const factorId = await sor.transaction(async (tx) => {
          const factor = await tx.insertFactor({ userId: user.id, type: 'totp', secretEnc: sealed });
          await tx.advanceTotpStep(factor.id, result.step);
          // A new app comes with a new set of codes: any codes left from before are gone (T3).
          await tx.deleteFactorsOfUser(user.id, ['backup_code']);
          for (const row of rows) await tx.insertFactor(row);
          await audit(
            tx,
            who,
            'factor.enrolled',
            { userId: user.id },
            { type: 'totp', backupCodes: rows.length },
          );
          return factor.id;
        });
        // V6: active now; a leftover pending secret is harmless (a second confirm finds the app).
        await afterCommit(deps.logger, 'pending_secret', () => eph.kv.del(key(flowKey, user.id)));
        return { ok: true, backupCodes: codes, factorId };
      } catch (err) {
        if (err instanceof ConflictError) return { ok: false, reason: 'already_enrolled' };
        throw err;
      }
    },
  };
}

export type TotpEnrollment = ReturnType<typeof createTotpEnrollment>;
