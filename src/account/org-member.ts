// Who may use an organization's pages (R1: only within their own organizations): the signed-in
// account session and the person's membership of organization :id, with the roles a page allows.
// Without a session the person is sent to sign in and back; otherwise a refusal is a 403.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { forbidden } from '../http/errors.ts';
import type { MfaService } from '../mfa/service.ts';
import { isUserId } from '../oidc/account.ts';
import type { MembershipWithOrg, Role } from '../store/records.ts';
import { type AccountSession, loadAccountSession } from './session.ts';

export interface OrgMember {
  s: AccountSession;
  org: MembershipWithOrg['org'];
  role: Role;
}

export async function orgMember(
  ctx: Context,
  provider: Provider,
  mfa: MfaService,
  cookieKey: string,
  opts: { roles?: readonly Role[]; returnTo?: string } = {},
): Promise<OrgMember | undefined> {
  const s = await loadAccountSession(ctx, provider, mfa, cookieKey);
  if (!s) {
    ctx.status = 303;
    ctx.redirect(`/account/login?return_to=${encodeURIComponent(opts.returnTo ?? ctx.path)}`);
    return undefined;
  }
  const orgId = ctx.params.id;
  const own = s.state.memberships.find((m) => m.orgId === orgId);
  if (!isUserId(orgId) || !own || (opts.roles && !opts.roles.includes(own.role))) throw forbidden();
  return { s, org: own.org, role: own.role };
}
