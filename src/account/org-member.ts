// Who may use an organization's pages (R1: only within their own organizations): the signed-in
// account session (the account middleware, ./middleware.ts, sent anyone without one to sign in
// and back) and the person's membership of organization :id, with the roles a page allows;
// otherwise a 403.
import type { Context } from 'koa';
import { forbidden } from '../http/errors.ts';
import { isUserId } from '../oidc/account.ts';
import type { MembershipWithOrg, Role } from '../store/records.ts';
import { type AccountMiddleware, accountOf } from './middleware.ts';
import type { AccountSession } from './session.ts';

export interface OrgMember {
  s: AccountSession;
  org: MembershipWithOrg['org'];
  role: Role;
}

/** What an organization page's routes get: the membership check and the account middleware. */
export interface OrgRoutes {
  context(ctx: Context): OrgMember;
  account: AccountMiddleware;
}

export function orgMember(ctx: Context, opts: { roles?: readonly Role[] } = {}): OrgMember {
  const s = accountOf(ctx);
  const orgId = ctx.params.id;
  const own = s.state.memberships.find((m) => m.orgId === orgId);
  if (!isUserId(orgId) || !own || (opts.roles && !opts.roles.includes(own.role))) throw forbidden();
  return { s, org: own.org, role: own.role };
}
