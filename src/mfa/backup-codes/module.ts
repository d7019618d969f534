// Backup codes (T3) as the registry sees it: a fallback that comes with the authenticator app.
import type { FactorModule } from '../module.ts';

export const backupCodesModule: FactorModule = {
  type: 'backup_code',
  nameKey: 'factor.backup_code',
  strength: 10,
  amr: ['backup'],
  companionOf: 'totp',
  useKey: 'mfa.use_backup',
  refusalKeys: { replay: 'mfa.backup_used' },
};
