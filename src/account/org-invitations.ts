// U2: /account/organizations/:id/invitations — owners and admins invite by e-mail with a role
// (admins: members only), see the open invitations, revoke and re-send them.

import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { forbidden, HttpError } from '../http/errors.ts';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import { createInvitations, isOpen, mayInvite } from '../invitations/service.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import type { Role } from '../store/records.ts';
import { normalizeEmail } from './credentials.ts';
import { accountMiddleware } from './middleware.ts';
import { type OrgMember, orgMember } from './org-member.ts';
import type { AccountSession } from './session.ts';

const ROLES: Role[] = ['member', 'admin', 'owner'];

export function orgInvitationRoutes(router: Router, provider: Provider, services: Services, mfa: MfaService) {
  const { sor, config } = services;
  const invitations = createInvitations({
    sor,
    mail: services.mail,
    issuer: config.issuer,
    ttlSeconds: config.mail.invitationTtlSeconds,
  });
  const base = '/account/organizations/:id/invitations';

  const account = accountMiddleware(provider, mfa, config.cookieKeys[0]);
  const context = (ctx: Context) => orgMember(ctx, { roles: ['owner', 'admin'] });
  const who = (ctx: Context, s: AccountSession) => ({
    actorUserId: s.state.user.id,
    ip: ctx.ip,
    userAgent: ctx.get('user-agent'),
  });

  async function page(
    ctx: Context,
    c: OrgMember,
    flash: { error?: string; notice?: string } = {},
    status = 200,
  ) {
    const t = ctx.state.t;
    const open = await sor.listOpenInvitations(c.org.id);
    await renderPage(
      ctx,
      'org-invitations',
      {
        title: t('invite.title', { org: c.org.name }),
        org: c.org,
        csrf: c.s.csrf,
        roles: ROLES.filter((r) => mayInvite(c.role, r)).map((r) => ({ value: r, label: t(`role.${r}`) })),
        rows: open.map((i) => ({
          id: i.id,
          email: i.email,
          role: t(`role.${i.role}`),
          expired: !isOpen(i),
          expires: i.expiresAt.toISOString().slice(0, 16).replace('T', ' '),
        })),
        error: flash.error ?? null,
        notice: flash.notice ?? null,
      },
      status,
    );
  }

  router.get(base, account(), async (ctx) => {
    await page(ctx, context(ctx));
  });

  router.post(base, account(), async (ctx) => {
    const c = context(ctx);
    const t = ctx.state.t;
    const form = readForm(ctx, {
      email: { maxLength: 254 },
      role: { maxLength: 10 },
    });
    const role = ROLES.find((r) => r === form.role);
    if (!role) throw new HttpError(400, 'invite.bad_role');
    if (!mayInvite(c.role, role)) throw forbidden(); // admins invite members only
    const email = normalizeEmail(form.email);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return page(ctx, c, { error: t('invite.bad_email') }, 400);
    const sent = await invitations.invite(
      c.org,
      { email, role, invitedBy: c.s.state.user.id },
      who(ctx, c.s),
      ctx.state.locale,
    );
    await page(
      ctx,
      c,
      sent.mail.sent ? { notice: t('invite.sent', { email }) } : { error: t('invite.unsent', { email }) },
    );
  });

  for (const action of ['revoke', 'resend'] as const) {
    router.post(`${base}/:invitationId/${action}`, account(), async (ctx) => {
      const c = context(ctx);
      const t = ctx.state.t;
      const i = await sor.findInvitation(c.org.id, ctx.params.invitationId);
      if (!i || !mayInvite(c.role, i.role)) throw forbidden();
      if (action === 'revoke') {
        const done = await invitations.revoke(i, who(ctx, c.s));
        return page(
          ctx,
          c,
          done ? { notice: t('invite.revoked', { email: i.email }) } : { error: t('invite.closed') },
          done ? 200 : 409,
        );
      }
      const sent = await invitations.resend(i, who(ctx, c.s), ctx.state.locale);
      if (!sent) return page(ctx, c, { error: t('invite.closed') }, 409);
      await page(
        ctx,
        c,
        sent.mail.sent
          ? { notice: t('invite.sent', { email: i.email }) }
          : { error: t('invite.unsent', { email: i.email }) },
      );
    });
  }
}
