// Backup codes' line in the page registry (src/mfa/page-registry.ts): no pages of their own, but
// what is left of them is said on the challenge page and the security settings page (T3, G6).
import type { Context } from 'koa';
import type { FactorRecord } from '../../store/records.ts';
import type { FactorPages, PageNote } from '../pages.ts';
import type { MfaService } from '../service.ts';
import { normalizeBackupCode } from './codes.ts';
import { backupCodesModule } from './module.ts';

const left = (mfa: MfaService, records: FactorRecord[]) =>
  mfa.factors.get('backup_code')?.usable(records).length ?? 0;

/** G6: one backup code left (or none): say so, with the T3 path to new codes. */
const lowNote = (ctx: Context, count: number): PageNote[] =>
  count <= 1
    ? [
        {
          text: ctx.state.t(count === 0 ? 'mfa.backup_none' : 'mfa.backup_low', { count }),
          class: 'notice',
          status: true,
          mark: 'g6',
        },
      ]
    : [];

export const backupCodesPages: FactorPages = {
  type: 'backup_code',
  lettersInCode: true,
  // A code of their shape is one, where the app they come with is enrolled (T3).
  proof: {
    recognizes: (state, code) =>
      Boolean(normalizeBackupCode(code)) && state.enrolled.includes(backupCodesModule.companionOf!),
  },
  challengeNotes(ctx, mfa, step, method) {
    // Only where the app they come with is asked for (T3).
    if (!step.decision.allowedFactors.includes(backupCodesModule.companionOf!)) return [];
    const count = left(mfa, step.state.records);
    const none = count === 0 && method === 'backup_code';
    return [
      ...lowNote(ctx, count),
      ...(none ? [{ text: ctx.state.t('mfa.no_backup_left'), class: 'sub' as const }] : []),
    ];
  },
  settings: {
    notes(ctx, mfa, s) {
      if (!s.state.enrolled.includes(backupCodesModule.companionOf!)) return [];
      const count = left(mfa, s.state.records);
      return [{ text: ctx.state.t('security.backup_left', { count }) }, ...lowNote(ctx, count)];
    },
  },
};
