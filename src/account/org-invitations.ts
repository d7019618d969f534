// U2: /account/organizations/:id/invitations — owners and admins invite by e-mail with a role
// (admins: members only), see the open invitations, revoke and re-send them.

import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { forbidden, HttpError } from '../http/errors.ts';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import { createInvitations, type Invitations, isOpen, mayInvite } from '../invitations/service.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import type { Role } from '../store/records.ts';
import { normalizeEmail } from './credentials.ts';
import { accountMiddleware } from './middleware.ts';
import { type OrgMember, orgMember } from './org-member.ts';
import type { AccountSession } from './session.ts';

const ROLES: Role[] = ['member', 'admin', 'owner'];

const BASE = '/account/organizations/:id/invitations';

interface Deps {
  sor: Services['sor'];
  invitations: Invitations;
}

interface Flash {
  error?: string;
  notice?: string;
}

const context = (ctx: Context) => orgMember(ctx, { roles: ['owner', 'admin'] });
const who = (ctx: Context, s: AccountSession) => ({
  actorUserId: s.state.user.id,
  ip: ctx.ip,
  userAgent: ctx.get('user-agent'),
});

async function page(ctx: Context, deps: Deps, c: OrgMember, flash: Flash = {}, status = 200) {
  const t = ctx.state.t;
  const open = await deps.sor.listOpenInvitations(c.org.id);
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

/** Whether the mail went out: "sent", or "not sent" as an error. */
const mailed = (ctx: Context, sent: boolean, email: string): Flash =>
  sent
    ? { notice: ctx.state.t('invite.sent', { email }) }
    : { error: ctx.state.t('invite.unsent', { email }) };

async function invite(ctx: Context, deps: Deps) {
  const c = context(ctx);
  const form = readForm(ctx, {
    email: { maxLength: 254 },
    role: { maxLength: 10 },
  });
  const role = ROLES.find((r) => r === form.role);
  if (!role) throw new HttpError(400, 'invite.bad_role');
  if (!mayInvite(c.role, role)) throw forbidden(); // admins invite members only
  const email = normalizeEmail(form.email);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    return page(ctx, deps, c, { error: ctx.state.t('invite.bad_email') }, 400);
  }
  const sent = await deps.invitations.invite(
    c.org,
    { email, role, invitedBy: c.s.state.user.id },
    who(ctx, c.s),
    ctx.state.locale,
  );
  await page(ctx, deps, c, mailed(ctx, sent.mail.sent, email));
}

/** Revoking or re-sending an open invitation (of a role this person may invite). */
async function change(ctx: Context, deps: Deps, action: 'revoke' | 'resend') {
  const c = context(ctx);
  const t = ctx.state.t;
  const i = await deps.sor.findInvitation(c.org.id, ctx.params.invitationId);
  if (!i || !mayInvite(c.role, i.role)) throw forbidden();
  if (action === 'revoke') {
    const done = await deps.invitations.revoke(i, who(ctx, c.s));
    const flash = done ? { notice: t('invite.revoked', { email: i.email }) } : { error: t('invite.closed') };
    return page(ctx, deps, c, flash, done ? 200 : 409);
  }
  const sent = await deps.invitations.resend(i, who(ctx, c.s), ctx.state.locale);
  if (!sent) return page(ctx, deps, c, { error: t('invite.closed') }, 409);
  await page(ctx, deps, c, mailed(ctx, sent.mail.sent, i.email));
}

export function orgInvitationRoutes(router: Router, provider: Provider, services: Services, mfa: MfaService) {
  const { sor, config } = services;
  const invitations = createInvitations({
    sor,
    mail: services.mail,
    issuer: config.issuer,
    ttlSeconds: config.mail.invitationTtlSeconds,
  });
  const deps: Deps = { sor, invitations };
  const account = accountMiddleware(provider, mfa, config.cookieKeys[0]);
  router.get(BASE, account(), (ctx) => page(ctx, deps, context(ctx)));
  router.post(BASE, account(), (ctx) => invite(ctx, deps));
  for (const action of ['revoke', 'resend'] as const) {
    router.post(`${BASE}/:invitationId/${action}`, account(), (ctx) => change(ctx, deps, action));
  }
}
