// F2, P6: re-authenticating someone who signs in through SSO goes back through their organization's
// SSO connection, never to a password form (an SSO-only member may have no usable password). Two
// places ask: the login prompt of a re-authentication (prompt=login, max_age; the relying party's
// prompt and max_age are forwarded upstream by beginSso) and the password step (T1) before an
// enrollment inside the sign-in (a step-up with acr_values=mfa, P5), where prompt=login is sent.
// The attempt is bound to the account: the callback refuses another one (src/sso/flow.ts).
import type { Context } from 'koa';
import type { Interaction } from 'oidc-provider';
import type { Services } from '../services.ts';
import { beginSso } from './flow.ts';
import { enforcingOrg, type SsoOrganization } from './realm.ts';
import type { SsoMarks } from './session-mark.ts';

/** Why the login prompt is shown again for a session that has an account (oidc-provider's checks). */
const REAUTH_REASONS = new Set(['login_prompt', 'max_age']);

export interface Reauthenticating {
  accountId: string;
  sessionUid?: string;
  amr: string[];
}

/** The session being re-authenticated, when the login prompt is shown for a re-authentication. */
export function reauthenticationOf(details: Interaction): Reauthenticating | undefined {
  const session = details.session as { accountId?: string; uid?: string; amr?: string[] } | undefined;
  if (!session?.accountId) return undefined;
  if (!details.prompt.reasons.some((r) => REAUTH_REASONS.has(r))) return undefined;
  return { accountId: session.accountId, sessionUid: session.uid, amr: session.amr ?? [] };
}

/**
 * The organization whose SSO re-authenticates this person: the one the session signed in through
 * (its SSO mark, while amr has `fed`), else an organization of theirs that enforces SSO.
 */
export async function reauthOrg(
  services: Services,
  marks: SsoMarks,
  who: Reauthenticating,
): Promise<SsoOrganization | undefined> {
  const memberships = await services.sor.listMembershipsOfUser(who.accountId);
  const { ssoOrgId } = await marks.read(who.sessionUid, who.accountId, who.amr);
  const via = memberships
    .map((m) => m.org)
    .find((o): o is SsoOrganization => o.id === ssoOrgId && o.sso !== null);
  return via ?? enforcingOrg(memberships);
}

/** Sends the person to their organization's SSO to re-authenticate; false when SSO does not apply. */
export async function startSsoReauth(
  ctx: Context,
  services: Services,
  marks: SsoMarks,
  details: Interaction,
  who: Reauthenticating,
  opts: { promptLogin?: boolean } = {},
): Promise<boolean> {
  const org = await reauthOrg(services, marks, who);
  if (!org) return false;
  const user = await services.sor.findUserById(who.accountId);
  if (!user) return false;
  await beginSso(ctx, services, details, org, user.email, { reauthOf: who.accountId, ...opts });
  return true;
}
