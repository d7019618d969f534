// U3: password change on the security page — the current password, plus a second factor where the
// user has one (the same mfa.verify as sign-in, with its attempt limits); the new password is
// checked (src/account/password-policy.ts), rehashed with argon2id, audited (`password.changed`,
// which also mails the notice, U6), and every other session and grant ends (V3).
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { audit } from '../audit.ts';
import { hashPassword } from '../crypto/password.ts';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import { refusalError } from '../mfa/refusal.ts';
import type { MfaService } from '../mfa/service.ts';
import { proofMethod, type SmsProofView, smsOnly, smsProof } from '../mfa/sms/pages/proof.ts';
import type { Services } from '../services.ts';
import { checkPassword } from './credentials.ts';
import { accountMiddleware, accountOf } from './middleware.ts';
import { checkNewPassword, PASSWORD_MIN_LENGTH } from './password-policy.ts';
import type { AccountSession } from './session.ts';

const PATH = '/account/security/password';

export function passwordChangeRoutes(
  router: Router,
  provider: Provider,
  services: Services,
  mfa: MfaService,
) {
  const { sor, config } = services;
  const account = accountMiddleware(provider, mfa, config.cookieKeys[0]);
  const who = (ctx: Context, s: AccountSession) => ({
    actorUserId: s.state.user.id,
    ip: ctx.ip,
    userAgent: ctx.get('user-agent'),
  });
  const smsFlow = (s: AccountSession) => `acct:${s.sessionUid}`;
  const show = (
    ctx: Context,
    s: AccountSession,
    error: string | null = null,
    status = 200,
    sms: SmsProofView = { phone: null, sent: false },
  ) =>
    renderPage(
      ctx,
      'account-password',
      {
        title: ctx.state.t('security.password_change'),
        email: s.state.user.email,
        csrf: s.csrf,
        needsCode: s.state.enrolled.length > 0,
        min: PASSWORD_MIN_LENGTH,
        sms,
        notice: sms.notice ?? null,
        error: error ?? sms.error ?? null,
      },
      sms.status ?? status,
    );
  /** The page again after a refusal, still knowing whether an SMS code was sent. */
  const again = async (ctx: Context, s: AccountSession, error: string, status: number) =>
    show(ctx, s, error, status, {
      ...(await smsProof(ctx, services, mfa, s.state, smsFlow(s), 'status')),
      notice: undefined,
    });

  router.get(PATH, account(), async (ctx) => {
    const s = accountOf(ctx);
    // An SMS-only user gets the code as the page opens (once per session; resend below).
    const mode = smsOnly(s.state) ? 'open' : 'status';
    await show(ctx, s, null, 200, await smsProof(ctx, services, mfa, s.state, smsFlow(s), mode));
  });

  router.post(`${PATH}/sms`, account(), async (ctx) => {
    const s = accountOf(ctx);
    await show(ctx, s, null, 200, await smsProof(ctx, services, mfa, s.state, smsFlow(s), 'resend'));
  });

  router.post(PATH, account(), async (ctx) => {
    const s = accountOf(ctx);
    const t = ctx.state.t;
    const form = readForm(ctx, {
      username: { maxLength: 254, optional: true },
      current: { maxLength: 1024 },
      new: { maxLength: 4096 },
      code: { maxLength: 64, optional: true },
      method: { maxLength: 20, optional: true },
    });
    const problem = checkNewPassword(form.new, s.state.user.email);
    if (problem) return again(ctx, s, t(problem.key, problem.params), 400);
    // V2: the password attempt counts before it is checked (as the re-authentication does).
    const attempt = await mfa.guard.begin(s.state.user.id, ctx.ip);
    if (!attempt.allowed) {
      return again(
        ctx,
        s,
        t('mfa.rate_limited', { minutes: Math.ceil(attempt.retryAfterSeconds / 60) }),
        429,
      );
    }
    if (!(await checkPassword(sor, s.state.user.email, form.current))) {
      await attempt.fail(undefined, who(ctx, s));
      return again(ctx, s, t('security.password_wrong'), 401);
    }
    await attempt.cancel();
    if (s.state.enrolled.length > 0) {
      // The second factor, through the sign-in's own check (attempt limits, lockout, V1).
      const code = form.code.normalize('NFKC');
      const type = proofMethod(s.state, code, form.method);
      const outcome = await mfa.verify(s.state, type, code, smsFlow(s), who(ctx, s));
      if (!outcome.ok) {
        const message = refusalError(t, type, outcome);
        return again(ctx, s, message, outcome.error === 'rate_limited' ? 429 : 401);
      }
    }
    const hash = await hashPassword(form.new);
    await sor.transaction(async (tx) => {
      await tx.setPasswordHash(s.state.user.id, hash);
      await audit(tx, who(ctx, s), 'password.changed', { userId: s.state.user.id });
    });
    // V3: every other session, grant and token of the user ends; this one stays.
    await mfa.sessions.endEverything(s.state.user.id, { keep: s.sessionId });
    ctx.status = 303;
    ctx.redirect('/account/security?done=password');
  });
}
