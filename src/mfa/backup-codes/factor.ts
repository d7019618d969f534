// Backup codes as a Factor (T3): 4 look-up secrets stored as argon2id digests, each used once.
import { hashSecretCode, verifyHashedSecretCode } from '../../crypto/password.ts';
import type { SystemOfRecord } from '../../store/ports.ts';
import type { FactorRecord, NewFactor } from '../../store/records.ts';
import type { Factor, FactorDeps } from '../factor.ts';
import { generateBackupCodes, normalizeBackupCode } from './codes.ts';
import { backupCodesModule } from './module.ts';

/** Fresh codes and their rows; the plaintext goes to the person once and is never stored. */
export async function newBackupCodes(userId: string): Promise<{ codes: string[]; rows: NewFactor[] }> {
  const codes = generateBackupCodes();
  const rows = await Promise.all(
    codes.map(async (code) => ({
      userId,
      type: 'backup_code' as const,
      codeHash: await hashSecretCode(code),
    })),
  );
  return { codes, rows };
}

/** X6: is this one of the user's codes already used? (Then the page says so, not "incorrect".) */
async function isUsedCode(records: FactorRecord[], normalized: string): Promise<boolean> {
  const used = records.filter((r) => r.type === 'backup_code' && r.usedAt !== null && r.codeHash);
  const matches = await Promise.all(used.map((r) => verifyHashedSecretCode(r.codeHash!, normalized)));
  return matches.includes(true);
}

export function createBackupCodeFactor(deps: FactorDeps): Factor {
  const usable = (records: FactorRecord[]) =>
    records.filter((r) => r.type === 'backup_code' && r.usedAt === null && r.codeHash);
  return {
    ...backupCodesModule,
    usable,
    async challenge() {
      return {};
    },
    async verify({ records, code }) {
      const normalized = normalizeBackupCode(code);
      const candidates = usable(records);
      if (!normalized || candidates.length === 0) return { ok: false, reason: 'invalid' };
      // Every candidate is checked (no early exit), so timing does not reveal which one matched.
      const matches = await Promise.all(
        candidates.map((r) => verifyHashedSecretCode(r.codeHash!, normalized)),
      );
      const match = candidates.find((_, i) => matches[i]);
      if (!match)
        return { ok: false, reason: (await isUsedCode(records, normalized)) ? 'replay' : 'invalid' };
      // Atomic: of two requests racing with one code, only one succeeds.
      if (!(await deps.sor.useBackupCode(match.id)))
        return { ok: false, reason: 'replay', factorId: match.id };
      return { ok: true, factorId: match.id, amr: ['backup'] };
    },
    async disable(userId: string, sor: SystemOfRecord) {
      return sor.deleteFactorsOfUser(userId, ['backup_code']);
    },
  };
}
