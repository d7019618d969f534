// The authenticator app as a Factor (T2, T4): the sealed secret is opened only to verify, and the
// matched time step is recorded atomically so a code is accepted at most once.
import { open } from '../../crypto/sealed.ts';
import type { SystemOfRecord } from '../../store/ports.ts';
import type { FactorRecord } from '../../store/records.ts';
import { type Factor, type FactorDeps, isLocked } from '../factor.ts';
import { totpModule } from './module.ts';
import { verifyTotp } from './totp.ts';

/** AAD binding a sealed TOTP secret to its owner: a row copied to another user does not open. */
export const totpAad = (userId: string) => `totp:${userId}`;

export function createTotpFactor(deps: FactorDeps): Factor {
  const usable = (records: FactorRecord[]) =>
    records.filter((r) => r.type === 'totp' && !isLocked(r) && r.secretEnc);
  return {
    ...totpModule,
    usable,
    async challenge() {
      return {};
    },
    async verify({ user, records, code }) {
      const record = usable(records)[0];
      if (!record?.secretEnc) return { ok: false, reason: 'invalid' };
      const secret = open(deps.config.factorKeys, record.secretEnc, totpAad(user.id));
      const result = await verifyTotp({ secret, token: code, lastStep: record.lastStep });
      if (!result.ok) return { ok: false, reason: result.reason, factorId: record.id };
      // Two requests racing with the same code: only one advances the step (RFC 6238 §5.2).
      if (!(await deps.sor.advanceTotpStep(record.id, result.step))) {
        return { ok: false, reason: 'replay', factorId: record.id };
      }
      return { ok: true, factorId: record.id, amr: ['otp'] };
    },
    async disable(userId: string, sor: SystemOfRecord) {
      // Backup codes come with the app (T3): removing the app removes them.
      return sor.deleteFactorsOfUser(userId, ['totp', 'backup_code']);
    },
  };
}
