// U5: e-mail verification. "Verify your e-mail" on the security page (POST, CSRF) mails a
// single-use link (the recovery links' tokens under another prefix: hashed at rest, bound to the
// user, a newer one voids the older, EMAIL_VERIFICATION_TTL_SECONDS); opening it marks the address
// verified — only while it is still the user's address — so `email_verified` in the ID token and
// userinfo becomes true (src/oidc/account.ts). Invitations verify the address too (U2).
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { audit } from '../audit.ts';
import { renderPage } from '../http/render.ts';
import { renderMail } from '../mail/render.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import { accountMiddleware, accountOf } from './middleware.ts';
import { createRecoveryTokens } from './recovery-tokens.ts';

export function emailVerifyRoutes(router: Router, provider: Provider, services: Services, mfa: MfaService) {
  const { sor, config } = services;
  const ttl = config.mail.verificationTtlSeconds;
  const tokens = createRecoveryTokens(services.eph.kv, ttl, 'verify');
  const minutes = Math.ceil(ttl / 60);

  const account = accountMiddleware(provider, mfa, config.cookieKeys[0]);

  router.post('/account/security/verify-email', account({ returnTo: '/account/security' }), async (ctx) => {
    const { user } = accountOf(ctx).state;
    const token = await tokens.issue(user.id);
    const msg = await renderMail(user.email, ctx.state.locale, {
      subject: 'mail.verify.subject',
      paragraphs: ['mail.verify.body', 'mail.verify.not_you'],
      params: { minutes },
      link: { href: `${config.issuer}/account/verify-email?token=${token}`, label: 'mail.verify.action' },
    });
    // U1: rate-limited per address, user and IP; a refusal or failure changes nothing.
    const sent = await services.mail.send(msg, { kind: 'verify_email', userId: user.id, ip: ctx.ip });
    ctx.status = 303;
    ctx.redirect(`/account/security?done=${sent.sent ? 'verify_sent' : 'verify_unsent'}`);
  });

  const result = (ctx: Context, ok: boolean) =>
    renderPage(
      ctx,
      'recover-done',
      {
        title: ctx.state.t('verify.title'),
        heading: ctx.state.t('verify.title'),
        invalid: !ok,
        message: ctx.state.t(ok ? 'verify.done' : 'verify.invalid'),
        href: '/account/security',
        linkText: ctx.state.t('verify.to_security'),
      },
      ok ? 200 : 410,
    );

  router.get('/account/verify-email', async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    const userId = await tokens.consume(token); // single use
    const user = userId && (await sor.findUserById(userId));
    if (!user) return result(ctx, false);
    const done = await sor.transaction(async (tx) => {
      if (!(await tx.markEmailVerified(user.id, user.email))) return false;
      await audit(
        tx,
        { actorUserId: user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') },
        'email.verified',
        {
          userId: user.id,
        },
      );
      return true;
    });
    await result(ctx, done);
  });
}
