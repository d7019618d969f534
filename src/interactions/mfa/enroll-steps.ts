// The steps every enrollment shares, at sign-in (./enroll.ts, src/mfa/sms/pages/enroll.ts) and on the settings
// page: the password re-entry (T1), the app's QR page (T2), the backup codes (T3), and the
// re-authentication through SSO for members without a password (F2).
import type { Context } from 'koa';
import { renderPage } from '../../http/render.ts';
import { backupCodesText } from '../../mfa/backup-codes/codes.ts';
import type { MfaService } from '../../mfa/service.ts';
import type { Services } from '../../services.ts';
import { startSsoReauth } from '../../sso/reauth.ts';
import type { MfaStep } from './context.ts';

export function enrollmentViews(ctx: Context, services: Services, mfa: MfaService) {
  const t = ctx.state.t;
  return {
    /** The password step (T1); `expired` shows the re-authentication-required message. */
    reauth(
      action: string,
      email: string,
      opts: { expired?: boolean; error?: string; status?: number; csrf?: string } = {},
    ) {
      const error = opts.error ?? (opts.expired ? t('reauth.required') : null);
      return renderPage(
        ctx,
        'reauth',
        { title: t('reauth.title'), action, email, csrf: opts.csrf, error },
        opts.status ?? (error ? 401 : 200),
      );
    },
    async totp(opts: {
      step?: MfaStep;
      userFlow: { user: MfaStep['state']['user']; flowKey: string };
      base: string;
      required: boolean;
      restart?: boolean;
      error?: string | null;
      csrf?: string;
      status?: number;
      /** Other methods offered next to the app (SMS during sign-in). */
      choices?: Array<{ href: string; label: string }>;
    }) {
      const pending = await mfa.totpEnrollment.start(opts.userFlow.user, opts.userFlow.flowKey, opts.restart);
      return renderPage(
        ctx,
        'enroll-totp',
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
    },
    backupCodes(codes: string[], email: string, doneHref: string) {
      const text = backupCodesText(codes, { issuer: services.config.mfa.issuerName, email });
      return renderPage(ctx, 'backup-codes', {
        title: t('codes.title'),
        codes,
        downloadHref: `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`,
        doneHref,
      });
    },
  };
}

/**
 * T1 for someone who signs in through SSO (F2): the re-authentication goes through their
 * organization's SSO (prompt=login), never a password; false when SSO does not apply.
 */
export function ssoReauth(
  ctx: Context,
  services: Services,
  mfa: MfaService,
  step: MfaStep,
): Promise<boolean> {
  const session = step.details.session as { uid?: string } | undefined;
  const who = { accountId: step.state.user.id, sessionUid: session?.uid, amr: step.amr };
  return startSsoReauth(ctx, services, mfa.ssoMarks, step.details, who, { promptLogin: true });
}
