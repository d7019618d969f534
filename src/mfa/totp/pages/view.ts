// The authenticator app's enrollment page (T2), at sign-in and on the settings page: the QR code,
// the key to type instead, and the field for the app's first code.
import type { Context } from 'koa';
import { renderPage } from '../../../http/render.ts';
import type { User } from '../../../store/records.ts';
import type { MfaService } from '../../service.ts';

export interface TotpPageOptions {
  userFlow: { user: User; flowKey: string };
  /** Where the page's forms post: `${base}/enroll/totp/{confirm,restart}`. */
  base: string;
  required: boolean;
  restart?: boolean;
  error?: string | null;
  csrf?: string;
  status?: number;
  /** Other methods offered next to the app (SMS during sign-in). */
  choices?: Array<{ href: string; label: string }>;
}

export async function showTotpEnrollment(ctx: Context, mfa: MfaService, opts: TotpPageOptions) {
  const t = ctx.state.t;
  const pending = await mfa.totpEnrollment.start(opts.userFlow.user, opts.userFlow.flowKey, opts.restart);
  return renderPage(
    ctx,
    'factors/totp/enroll',
    {
      title: t('enroll.totp.title'),
      required: opts.required,
      error: opts.error ?? null,
      qrSvg: pending.qrSvg,
      // Issue 16 item 4: on the phone itself the QR code cannot be scanned — a tappable key
      // URI, and the key in groups of 4 that never break mid-group.
      secretGroups: pending.secretForDisplay.split(' '),
      otpauthUri: pending.uri,
      confirmAction: `${opts.base}/enroll/totp/confirm`,
      restartAction: `${opts.base}/enroll/totp/restart`,
      csrf: opts.csrf,
      choices: opts.choices ?? [],
    },
    opts.status,
  );
}
