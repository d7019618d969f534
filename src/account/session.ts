// Who is signed in on the account pages: the provider's own session (the `_session` cookie),
// trusted only when it satisfies the MFA policy — a password-only session of a user who must use
// MFA is sent through the sign-in (and so through the MFA step) first. CSRF tokens are bound to it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { type Flow, withSecondFactor } from '../core/flow.ts';
import { isVoid } from '../core/sessions.ts';
import { HttpError } from '../http/errors.ts';
import type { MfaDecision } from '../mfa/policy.ts';
import type { MfaService, UserMfaState } from '../mfa/service.ts';
import { ACR_MFA } from '../oidc/acr.ts';

export interface AccountSession {
  /** The session id (cookie value), to tell this session from the user's others. */
  sessionId: string;
  sessionUid: string;
  amr: string[];
  state: UserMfaState;
  decision: MfaDecision;
  csrf: string;
}

export function csrfToken(key: string, sessionUid: string): string {
  return createHmac('sha256', key).update(`csrf:${sessionUid}`).digest('base64url');
}

export async function loadAccountSession(
  ctx: Context,
  provider: Provider,
  mfa: MfaService,
  key: string,
): Promise<AccountSession | undefined> {
  const sessionId = ctx.cookies.get(provider.cookieName('session'), { signed: true });
  if (!sessionId || sessionId.length > 128) return undefined;
  const session = await provider.Session.find(sessionId);
  const accountId = session?.accountId;
  if (!session || !accountId) return undefined;
  const state = await mfa.load(accountId);
  if (!state) return undefined;
  // V3: a session from before the user's last reset is not signed in, even if written back.
  if (isVoid(state.user, (session as { loginTs?: number }).loginTs)) return undefined;
  const amr = session.amr ?? [];
  const decision = mfa.decide(state, await mfa.authenticationOf({ uid: session.uid, accountId, amr }));
  // A session that has not met the policy is not signed in here (P5).
  if (!mfa.decisions.satisfied(decision, amr)) return undefined;
  return { sessionId, sessionUid: session.uid, amr, state, decision, csrf: csrfToken(key, session.uid) };
}

/** For POSTs (./middleware.ts): the form's csrf field must match this session's token (constant-time). */
export function checkCsrf(session: AccountSession, submitted: string | undefined): void {
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(submitted ?? '');
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new HttpError(403, 'error.csrf');
}

/**
 * The person just proved a second factor on the settings pages (enrolled the app with a valid
 * code after re-entering the password): the current session now counts as an MFA session (L4).
 */
export async function upgradeSession(
  provider: Provider,
  sessionId: string,
  factorAmr: readonly string[],
): Promise<void> {
  const session = await provider.Session.find(sessionId);
  if (!session?.accountId) return;
  session.amr = withSecondFactor(session.amr ?? [], factorAmr);
  session.acr = ACR_MFA;
  const remaining = session.exp - Math.floor(Date.now() / 1000);
  if (remaining > 0) await session.save(remaining);
}

/**
 * The settings pages as a Flow (src/core/flow.ts): keyed by the account session; a method proved
 * here upgrades the session (L4) and records the binding (G5), then the security page says so.
 */
export function settingsFlow(provider: Provider, mfa: MfaService, s: AccountSession): Flow {
  return {
    kind: 'settings',
    user: s.state.user,
    flowKey: `acct:${s.sessionUid}`,
    csrf: s.csrf,
    reauthAction: (next) => `/account/security/reauth${next ? `?next=${next}` : ''}`,
    async finish(factorAmr) {
      await upgradeSession(provider, s.sessionId, factorAmr);
      await mfa.binding.record(s.sessionUid);
      return '/account/security?done=added';
    },
  };
}
