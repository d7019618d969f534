// U2, P5, U5: accepting an invitation. /invite?token=… shows what the link is for. A new address
// sets a password (the U3 rules) and the user is created with the address verified and the
// membership; then the account client's sign-in (/account/login) runs the provider's interaction,
// so where MFA is mandatory the person enrolls a method before anything else (P5). An existing
// user — and anyone joining an SSO-enforced organization, who gets no password — signs in the
// same way (SSO for an enforced domain) with the token kept in a signed cookie, and
// /account/invite/complete adds the membership for the invited address only.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { hashPassword } from '../crypto/password.ts';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import { createInvitations, type Invitations } from '../invitations/service.ts';
import { INVITE_COOKIE, invitationOf } from '../invitations/use.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import type { Invitation, Organization } from '../store/records.ts';
import { accountMiddleware, accountOf } from './middleware.ts';
import { checkNewPassword, PASSWORD_MIN_LENGTH } from './password-policy.ts';

const COMPLETE = '/account/invite/complete';

type Found = { invitation: Invitation; org: Organization };

interface InviteDeps {
  sor: Services['sor'];
  invitations: Invitations;
}

const who = (ctx: Context) => ({ ip: ctx.ip, userAgent: ctx.get('user-agent') });
const signIn = (returnTo: string) => `/account/login?return_to=${encodeURIComponent(returnTo)}`;

/** A dead end (unknown, used or expired link; another user's invitation). */
const refused = (ctx: Context, message: string, href: string, status: number) =>
  renderPage(
    ctx,
    'recover-done',
    {
      title: ctx.state.t('invite.accept_title'),
      heading: ctx.state.t('invite.accept_title'),
      invalid: true,
      message,
      href,
      linkText: ctx.state.t('invite.home'),
    },
    status,
  );

const invalid = (ctx: Context) => refused(ctx, ctx.state.t('invite.invalid'), '/', 410);

const form = (
  ctx: Context,
  found: Found,
  token: string,
  opts: { error?: string; status?: number; signIn?: string } = {},
) =>
  renderPage(
    ctx,
    'invite-accept',
    {
      title: ctx.state.t('invite.accept_title'),
      org: found.org,
      email: found.invitation.email,
      role: ctx.state.t(`role.${found.invitation.role}`),
      token,
      signIn: opts.signIn ?? null,
      sso: found.org.ssoEnforced,
      min: PASSWORD_MIN_LENGTH,
      error: opts.error ?? null,
    },
    opts.status,
  );

/** What the link is for: a new address sets a password; others sign in with the token in a cookie. */
async function show(ctx: Context, { sor, invitations }: InviteDeps) {
  ctx.set('referrer-policy', 'no-referrer'); // the token is in the URL
  const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
  const found = await invitations.lookup(token);
  if (!found) return invalid(ctx);
  const existing = await sor.findUserByEmail(found.invitation.email);
  if (existing || found.org.ssoEnforced) {
    // Kept across the sign-in; the token itself stays out of URLs from here on.
    ctx.cookies.set(INVITE_COOKIE, token, {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      maxAge: 30 * 60 * 1000,
    });
    return form(ctx, found, '', { signIn: signIn(COMPLETE) });
  }
  await form(ctx, found, token);
}

/** A new address: its password, the user created with the membership, then the sign-in (P5). */
async function acceptNew(ctx: Context, { sor, invitations }: InviteDeps) {
  const t = ctx.state.t;
  const f = readForm(ctx, { token: { maxLength: 64 }, password: { maxLength: 1024 } });
  const found = await invitations.lookup(f.token);
  if (!found) return invalid(ctx);
  if (found.org.ssoEnforced || (await sor.findUserByEmail(found.invitation.email))) {
    ctx.status = 303;
    return ctx.redirect(`/invite?token=${f.token}`);
  }
  const problem = checkNewPassword(f.password, found.invitation.email);
  if (problem) return form(ctx, found, f.token, { error: t(problem.key, problem.params), status: 400 });
  const user = await invitations.acceptNew(found.invitation, await hashPassword(f.password), who(ctx));
  if (!user) return invalid(ctx); // used meanwhile (single use)
  // P5: the provider's sign-in runs next, with enrollment where MFA is mandatory.
  ctx.status = 303;
  ctx.redirect(signIn(`/account/organizations/${found.org.id}`));
}

/** The organization of an invitation this user already accepted and is a member of. */
async function joinedAtSignIn(sor: Services['sor'], token: unknown, userId: string, email: string) {
  const i = await invitationOf(sor, token);
  if (!i?.acceptedAt || i.email.toLowerCase() !== email.toLowerCase()) return undefined;
  const member = (await sor.listMembershipsOfUser(userId)).some((m) => m.orgId === i.orgId);
  return member ? i.orgId : undefined;
}

/** Signed in: the membership for the invited address only. */
async function complete(ctx: Context, { sor, invitations }: InviteDeps) {
  const s = accountOf(ctx);
  const token = ctx.cookies.get(INVITE_COOKIE, { signed: true });
  ctx.cookies.set(INVITE_COOKIE, null);
  const found = await invitations.lookup(token);
  if (!found) {
    // Used up by the SSO sign-in that just ran for it (src/sso/link.ts): on to the organization.
    const joined = await joinedAtSignIn(sor, token, s.state.user.id, s.state.user.email);
    if (!joined) return invalid(ctx);
    ctx.status = 303;
    return ctx.redirect(`/account/organizations/${joined}`);
  }
  const accepted = await invitations.accept(found.invitation, s.state.user, {
    actorUserId: s.state.user.id,
    ...who(ctx),
  });
  if (!accepted) {
    const wrong = s.state.user.email.toLowerCase() !== found.invitation.email.toLowerCase();
    if (!wrong) return invalid(ctx);
    const message = ctx.state.t('invite.other_user', { email: found.invitation.email });
    return refused(ctx, message, '/account/security', 403);
  }
  ctx.status = 303;
  ctx.redirect(`/account/organizations/${found.org.id}`);
}

export function inviteAcceptRoutes(router: Router, provider: Provider, services: Services, mfa: MfaService) {
  const { sor, config } = services;
  const invitations = createInvitations({
    sor,
    mail: services.mail,
    issuer: config.issuer,
    ttlSeconds: config.mail.invitationTtlSeconds,
  });
  const deps: InviteDeps = { sor, invitations };
  router.get('/invite', (ctx) => show(ctx, deps));
  router.post('/account/invite', (ctx) => acceptNew(ctx, deps));
  // Signed in (the middleware sends anyone else to the sign-in, coming back here).
  router.get(COMPLETE, accountMiddleware(provider, mfa, config.cookieKeys[0])(), (ctx) =>
    complete(ctx, deps),
  );
}
