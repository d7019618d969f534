// The backup codes page (T3), shown once after the authenticator app is enrolled, with the codes
// as a text file to download.
import type { Context } from 'koa';
import { renderPage } from '../../http/render.ts';
import type { Services } from '../../services.ts';
import { backupCodesText } from './codes.ts';

export function showBackupCodes(
  ctx: Context,
  services: Services,
  codes: string[],
  email: string,
  doneHref: string,
) {
  const t = ctx.state.t;
  const text = backupCodesText(codes, { issuer: services.config.mfa.issuerName, email });
  return renderPage(ctx, 'factors/backup_code/codes', {
    title: t('codes.title'),
    codes,
    downloadHref: `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`,
    doneHref,
  });
}
