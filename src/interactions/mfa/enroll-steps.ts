// The steps every enrollment shares, at sign-in (./enroll.ts, src/mfa/*/pages/) and on the
// settings page: the password re-entry (T1), and the re-authentication through SSO for members
// without a password (F2).
import type { Context } from 'koa';
import { renderPage } from '../../http/render.ts';
import type { MfaService } from '../../mfa/service.ts';
import type { Services } from '../../services.ts';
import { startSsoReauth } from '../../sso/reauth.ts';
import type { MfaStep } from './context.ts';

export function enrollmentViews(ctx: Context, _services: Services, _mfa: MfaService) {
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
