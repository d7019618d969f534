// U4: "Forgot password?" — /recover mails a single-use link (src/account/recovery-tokens.ts). The
// answer is the same page, status and store work whether or not the address exists, and the mail
// is rendered and sent in the background (no enumeration, timing included). Members of
// SSO-enforced organizations get a mail telling them to use their SSO instead of a link. Setting the
// new password (./recovery-reset.ts) never signs anyone in and never lowers MFA.
import Router from '@koa/router';
import type { Context } from 'koa';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import { renderMail } from '../mail/render.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import { beginAttempt } from '../store/attempt.ts';
import { normalizeEmail } from './credentials.ts';
import { recoveryResetRoutes } from './recovery-reset.ts';
import type { RecoveryTokens } from './recovery-tokens.ts';

const NO_USER = '00000000-0000-0000-0000-000000000000';

type MailContent = Parameters<typeof renderMail>[2];

const form = (ctx: Context, opts: { notice?: string; error?: string; status?: number } = {}) =>
  renderPage(
    ctx,
    'recover',
    { title: ctx.state.t('recover.title'), notice: opts.notice ?? null, error: opts.error ?? null },
    opts.status,
  );

/** Rendered and sent after the answer (same time for every address); failures are logged. */
function queue(
  services: Services,
  ctx: Context,
  user: { id: string; email: string },
  kind: string,
  content: MailContent,
) {
  const { ip } = ctx;
  const locale = ctx.state.locale;
  setImmediate(() => {
    renderMail(user.email, locale, content)
      .then((msg) => services.mail.send(msg, { kind, userId: user.id, ip }))
      .catch((err: unknown) =>
        services.logger.error(
          { event: 'mail', kind, error: (err as Error).message },
          'recovery mail not sent',
        ),
      );
  });
}

/** The mail for this address, if any: a link, or (SSO-enforced organizations) "use your SSO". */
async function mailFor(ctx: Context, services: Services, tokens: RecoveryTokens, email: string) {
  const { sor, config } = services;
  const minutes = Math.ceil(config.mail.recoveryTtlSeconds / 60);
  const user = await sor.findUserByEmail(normalizeEmail(email));
  const memberships = await sor.listMembershipsOfUser(user?.id ?? NO_USER);
  const sso = memberships.find((m) => m.org.ssoEnforced);
  if (user && !sso) {
    const token = await tokens.issue(user.id);
    const href = `${config.issuer}/recover/reset?token=${token}`;
    queue(services, ctx, user, 'recovery', {
      subject: 'mail.recovery.subject',
      paragraphs: ['mail.recovery.body', 'mail.recovery.mfa', 'mail.recovery.not_you'],
      params: { minutes },
      link: { href, label: 'mail.recovery.action' },
    });
    return;
  }
  await tokens.decoy();
  if (user && sso) {
    queue(services, ctx, user, 'recovery_sso', {
      subject: 'mail.recovery_sso.subject',
      paragraphs: ['mail.recovery_sso.body', 'mail.recovery_sso.not_you'],
      params: { org: sso.org.name },
    });
  }
}

export function recoveryRouter(services: Services, mfa: MfaService, tokens: RecoveryTokens): Router {
  const { config } = services;
  const router = new Router();
  const minutes = Math.ceil(config.mail.recoveryTtlSeconds / 60);
  const perIp = services.eph.rateLimiter({
    keyPrefix: 'recover:ip',
    points: config.mail.limits.perIp,
    durationSeconds: config.mail.limits.windowSeconds,
  });

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
    await mailFor(ctx, services, tokens, email);
    await form(ctx, { notice: t('recover.sent', { minutes }) });
  });

  recoveryResetRoutes(router, { services, mfa }, tokens);
  return router;
}
