// U4: "Forgot password?" — /recover mails a single-use link (src/account/recovery-tokens.ts). The
// answer is the same page, status and store work whether or not the address exists, and the mail
// is rendered and sent in the background (no enumeration, timing included). Members of
// SSO-enforced organizations get a mail telling them to use their SSO instead of a link. Setting the
// new password never signs anyone in and never lowers MFA: a user with any enrolled method (locked
// ones too, V1) passes a second factor through mfa.verify (attempt limits) *before* the password
// changes; then every session and grant ends (V3), the reset is audited and mailed (U6), and the
// person is sent to the sign-in, which asks the second factor as before.
import Router from '@koa/router';
import type { Context } from 'koa';
import { audit } from '../audit.ts';
import { hashPassword } from '../crypto/password.ts';
import { HttpError } from '../http/errors.ts';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import { renderMail } from '../mail/render.ts';
import { refusalError } from '../mfa/refusal.ts';
import type { MfaService, UserMfaState } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import { beginAttempt } from '../store/attempt.ts';
import { normalizeEmail } from './credentials.ts';
import { checkNewPassword, PASSWORD_MIN_LENGTH } from './password-policy.ts';
import type { RecoveryTokens } from './recovery-tokens.ts';
import { proofMethod, type SmsProofView, smsOnly, smsProof } from './sms-proof.ts';

const NO_USER = '00000000-0000-0000-0000-000000000000';

export function recoveryRouter(services: Services, mfa: MfaService, tokens: RecoveryTokens): Router {
  const { sor, config, logger } = services;
  const router = new Router();
  const minutes = Math.ceil(config.mail.recoveryTtlSeconds / 60);
  const perIp = services.eph.rateLimiter({
    keyPrefix: 'recover:ip',
    points: config.mail.limits.perIp,
    durationSeconds: config.mail.limits.windowSeconds,
  });

  const form = (ctx: Context, opts: { notice?: string; error?: string; status?: number } = {}) =>
    renderPage(
      ctx,
      'recover',
      { title: ctx.state.t('recover.title'), notice: opts.notice ?? null, error: opts.error ?? null },
      opts.status,
    );

  router.get('/recover', (ctx) => form(ctx));

  router.post('/recover', async (ctx) => {
    const t = ctx.state.t;
    const { email } = readForm(ctx, { email: { maxLength: 254 } });
    const attempt = await beginAttempt([{ limiter: perIp, key: ctx.ip, counts: 'requests' }]);
    if (!attempt.allowed) {
      ctx.set('retry-after', String(attempt.retryAfterSeconds));
      return form(ctx, {
        error: t('recover.rate_limited', { minutes: Math.ceil(attempt.retryAfterSeconds / 60) }),
        status: 429,
      });
    }
    const user = await sor.findUserByEmail(normalizeEmail(email));
    const memberships = await sor.listMembershipsOfUser(user?.id ?? NO_USER);
    const sso = memberships.find((m) => m.org.ssoEnforced);
    if (user && !sso) {
      const token = await tokens.issue(user.id);
      const href = `${config.issuer}/recover/reset?token=${token}`;
      queue(user.email, user.id, ctx.ip, ctx.state.locale, 'recovery', {
        subject: 'mail.recovery.subject',
        paragraphs: ['mail.recovery.body', 'mail.recovery.mfa', 'mail.recovery.not_you'],
        params: { minutes },
        link: { href, label: 'mail.recovery.action' },
      });
    } else {
      await tokens.decoy();
      if (user && sso) {
        queue(user.email, user.id, ctx.ip, ctx.state.locale, 'recovery_sso', {
          subject: 'mail.recovery_sso.subject',
          paragraphs: ['mail.recovery_sso.body', 'mail.recovery_sso.not_you'],
          params: { org: sso.org.name },
        });
      }
    }
    await form(ctx, { notice: t('recover.sent', { minutes }) });
  });

  /** Rendered and sent after the answer (same time for every address); failures are logged. */
  function queue(
    to: string,
    userId: string,
    ip: string,
    locale: 'en' | 'ja',
    kind: string,
    content: Parameters<typeof renderMail>[2],
  ) {
    setImmediate(() => {
      renderMail(to, locale, content)
        .then((msg) => services.mail.send(msg, { kind, userId, ip }))
        .catch((err: unknown) =>
          logger.error({ event: 'mail', kind, error: (err as Error).message }, 'recovery mail not sent'),
        );
    });
  }

  const invalid = (ctx: Context) =>
    renderPage(
      ctx,
      'recover-done',
      {
        title: ctx.state.t('recover.title'),
        heading: ctx.state.t('recover.title'),
        invalid: true,
        message: ctx.state.t('recover.invalid'),
        href: '/recover',
        linkText: ctx.state.t('recover.again'),
      },
      410,
    );

  const resetPage = (
    ctx: Context,
    token: string,
    state: UserMfaState,
    error: string | null = null,
    status = 200,
    sms: SmsProofView = { phone: null, sent: false },
  ) =>
    renderPage(
      ctx,
      'recover-reset',
      {
        title: ctx.state.t('recover.title'),
        email: state.user.email,
        token,
        needsCode: state.enrolled.length > 0,
        // V1: every enrolled method locked → no way past the lock here.
        locked: state.enrolled.length > 0 && state.usable.length === 0,
        min: PASSWORD_MIN_LENGTH,
        sms,
        notice: sms.notice ?? null,
        error: error ?? sms.error ?? null,
      },
      sms.status ?? status,
    );
  const smsFlow = (hash: string) => `recover:${hash}`;

  router.get('/recover/reset', async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    const found = await tokens.find(token);
    const state = found && (await mfa.load(found.userId));
    if (!state) return invalid(ctx);
    // An SMS-only user gets the code as the page opens (once per link; resend below).
    const sms = await smsProof(
      ctx,
      services,
      mfa,
      state,
      smsFlow(found.hash),
      smsOnly(state) ? 'open' : 'status',
    );
    await resetPage(ctx, token, state, null, 200, sms);
  });

  router.post('/recover/reset/sms', async (ctx) => {
    const f = readForm(ctx, { token: { maxLength: 64 } });
    const found = await tokens.find(f.token);
    const state = found && (await mfa.load(found.userId));
    if (!found || !state) return invalid(ctx);
    const sms = await smsProof(ctx, services, mfa, state, smsFlow(found.hash), 'resend');
    await resetPage(ctx, f.token, state, null, 200, sms);
  });

  router.post('/recover/reset', async (ctx) => {
    const t = ctx.state.t;
    const f = readForm(ctx, {
      token: { maxLength: 64 },
      username: { maxLength: 254, optional: true },
      password: { maxLength: 4096 },
      code: { maxLength: 64, optional: true },
      method: { maxLength: 20, optional: true },
    });
    const found = await tokens.find(f.token);
    const state = found && (await mfa.load(found.userId));
    if (!found || !state) return invalid(ctx);
    const problem = checkNewPassword(f.password, state.user.email);
    if (problem) return resetPage(ctx, f.token, state, t(problem.key, problem.params), 400);
    const who = { actorUserId: state.user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') };
    if (state.enrolled.length > 0) {
      if (state.usable.length === 0) return resetPage(ctx, f.token, state, null, 403);
      const code = f.code.normalize('NFKC');
      const type = proofMethod(state, code, f.method);
      const outcome = await mfa.verify(state, type, code, smsFlow(found.hash), who);
      if (!outcome.ok) {
        const message = outcome.error === 'locked' ? t('recover.locked') : refusalError(t, type, outcome);
        const fresh = await reload(state);
        const sms = await smsProof(ctx, services, mfa, fresh, smsFlow(found.hash), 'status');
        return resetPage(ctx, f.token, fresh, message, outcome.error === 'rate_limited' ? 429 : 401, {
          ...sms,
          notice: undefined,
        });
      }
    }
    // Single use: only the request that takes the token resets the password.
    if ((await tokens.consume(f.token)) !== state.user.id) return invalid(ctx);
    const hash = await hashPassword(f.password);
    await sor.transaction(async (tx) => {
      await tx.setPasswordHash(state.user.id, hash);
      await audit(tx, who, 'password.reset', { userId: state.user.id });
    });
    await mfa.sessions.endEverything(state.user.id); // V3: no session survives, none is created
    await renderPage(ctx, 'recover-done', {
      title: t('recover.done_title'),
      heading: t('recover.done_title'),
      invalid: false,
      message: t('recover.done'),
      href: '/account/login',
      linkText: t('recover.sign_in'),
    });
  });

  async function reload(state: UserMfaState): Promise<UserMfaState> {
    const fresh = await mfa.load(state.user.id);
    if (!fresh) throw new HttpError(410, 'recover.invalid');
    return fresh;
  }

  return router;
}
