// The callback of a federated sign-in (F1, F2): takes the attempt, exchanges the code with the
// upstream (openid-client checks state, iss, PKCE and the ID token), requires a verified address
// of the connection's domains, resolves the local user and finishes the interaction with amr
// ["fed", …] and acr urn:deadbolt:acr:fed. Each step answers the refusal itself and returns
// undefined; the attempt was started in ./flow.ts.

import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import * as client from 'openid-client';
import { authTimeFor } from '../core/sessions.ts';
import { INVITE_COOKIE, invitationOf } from '../invitations/use.ts';
import { ACR_FEDERATED } from '../oidc/acr.ts';
import type { Services } from '../services.ts';
import type { User } from '../store/records.ts';
import { federatedAmr, upstreamDidMfa } from './amr.ts';
import { describeError, discover } from './discovery.ts';
import { type Attempt, attemptKey, showSsoError, stateOf } from './flow.ts';
import { type LinkRefusal, resolveUpstreamUser } from './link.ts';
import type { SsoOrganization } from './realm.ts';
import type { SsoSignInResult } from './session-mark.ts';
import { callbackUrl, domainOf } from './settings.ts';

const REFUSALS: Record<LinkRefusal, string> = {
  other_org: 'sso.other_org',
  not_member: 'sso.not_member',
  no_account: 'sso.no_account',
  already_linked: 'sso.already_linked',
};

type Tokens = Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
type Claims = NonNullable<ReturnType<Tokens['claims']>>;

/** One callback request and what its steps share. */
interface Callback {
  ctx: Context;
  services: Services;
  details: Interaction;
  /** Logs a refusal of this interaction. */
  log(event: string, extra?: Record<string, unknown>): void;
  /** Renders the error page of a refusal (with the retry link of this interaction). */
  refuse(status: number, key: string, params?: Record<string, string>, code?: string): Promise<undefined>;
}

/** GET /interaction/:uid/sso/callback: validates the upstream's answer and finishes the sign-in. */
export async function finishSso(
  ctx: Context,
  provider: Provider,
  services: Services,
  details: Interaction,
): Promise<void> {
  const cb: Callback = {
    ctx,
    services,
    details,
    log: (event, extra = {}) =>
      services.logger.info({ event, interaction: details.uid, ...extra }, 'SSO sign-in refused'),
    refuse: async (status, key, params = {}, code) => {
      await showSsoError(ctx, status, key, params, {
        uid: details.uid,
        ...(code !== undefined ? { code } : {}),
      });
      return undefined;
    },
  };
  const taken = await takeAttempt(cb);
  if (!taken) return;
  const connection = await connectionOf(cb, taken.attempt);
  if (!connection) return;
  const answer = await exchangeCode(cb, connection, taken.state, taken.attempt);
  if (!answer) return;
  const email = await verifiedEmail(cb, connection, answer);
  if (!email) return;
  const issuer = connection.configuration.serverMetadata().issuer;
  const startedAt = Date.now(); // V3: before the user is read
  const user = await localUser(cb, connection.org, taken.attempt, {
    issuer,
    subject: answer.claims.sub,
    email,
  });
  if (!user) return;
  const sso: SsoSignInResult = {
    orgId: connection.org.id,
    issuer,
    upstreamMfa: upstreamDidMfa(answer.claims.amr),
  };
  await completeSignIn(cb, provider, user, answer.claims, sso, startedAt);
}

/** The attempt of this state, taken once; it must belong to this interaction (and account, F2). */
async function takeAttempt(cb: Callback): Promise<{ state: string; attempt: Attempt } | undefined> {
  const { ctx, details } = cb;
  const state = stateOf(ctx);
  const raw = state ? await cb.services.eph.kv.take(attemptKey(state)) : undefined;
  const attempt = raw ? (JSON.parse(raw) as Attempt) : undefined;
  // The MFA step's re-authentication (T1, F2) comes back to an mfa prompt, bound to its account.
  const bound = attempt?.reauthOf === undefined || attempt.reauthOf === details.session?.accountId;
  const reauthOnly = details.prompt.name === 'mfa' && !attempt?.reauthOf;
  if (!state || !attempt || attempt.uid !== details.uid || !bound || reauthOnly) {
    cb.log('sso.invalid_state');
    return cb.refuse(400, 'sso.invalid_state');
  }
  return { state, attempt };
}

interface Connection {
  org: SsoOrganization;
  configuration: client.Configuration;
  /** The error pages' parameters. */
  name: { org: string };
}

/** The organization's connection, unchanged since the attempt started, and its discovery. */
async function connectionOf(cb: Callback, attempt: Attempt): Promise<Connection | undefined> {
  const { config, logger, sor } = cb.services;
  const found = await sor.findOrgById(attempt.orgId);
  if (!found?.sso || found.sso.issuer !== attempt.issuer || found.sso.clientId !== attempt.clientId) {
    cb.log('sso.connection_changed', { org: attempt.orgId });
    return cb.refuse(400, 'sso.invalid_state');
  }
  const org = found as SsoOrganization;
  const name = { org: org.name };
  const outcome = await discover(config, org.id, org.sso);
  if (!outcome.ok) {
    logger.warn({ event: 'sso.broken', org: org.id, reason: outcome.reason }, 'SSO discovery failed');
    return cb.refuse(502, 'sso.broken', name);
  }
  return { org, configuration: outcome.configuration, name };
}

/**
 * The code grant. openid-client checks state, the iss response parameter (RFC 9207), PKCE, and the
 * ID token's signature, issuer, audience, expiry and nonce.
 */
async function exchangeCode(
  cb: Callback,
  { org, configuration, name }: Connection,
  state: string,
  attempt: Attempt,
): Promise<{ tokens: Tokens; claims: Claims } | undefined> {
  let tokens: Tokens;
  try {
    tokens = await client.authorizationCodeGrant(
      configuration,
      new URL(`${callbackUrl(cb.services.config)}${cb.ctx.search}`),
      {
        pkceCodeVerifier: attempt.verifier,
        expectedState: state,
        expectedNonce: attempt.nonce,
        idTokenExpected: true,
      },
    );
  } catch (err) {
    if (err instanceof client.AuthorizationResponseError) {
      cb.log('sso.upstream_error', { org: org.id, error: err.error });
      const denied = err.error === 'access_denied';
      return cb.refuse(denied ? 403 : 400, denied ? 'sso.denied' : 'sso.upstream_error', name, err.error);
    }
    cb.services.logger.warn(
      { event: 'sso.invalid_response', org: org.id, reason: describeError(err) },
      'SSO response refused',
    );
    return cb.refuse(401, 'sso.invalid_response', name);
  }
  const claims = tokens.claims();
  if (!claims) return cb.refuse(401, 'sso.invalid_response', name);
  return { tokens, claims };
}

/** The e-mail and whether the upstream verified it: from the ID token, else from userinfo. */
async function verifiedEmail(
  cb: Callback,
  { org, configuration, name }: Connection,
  { tokens, claims }: { tokens: Tokens; claims: Claims },
): Promise<string | undefined> {
  let profile: { email?: unknown; email_verified?: unknown } = {
    email: claims.email,
    email_verified: claims.email_verified,
  };
  if (claims.email === undefined) {
    try {
      profile = await client.fetchUserInfo(configuration, tokens.access_token, claims.sub);
    } catch (err) {
      cb.services.logger.warn(
        { event: 'sso.invalid_response', org: org.id, reason: describeError(err) },
        'SSO userinfo refused',
      );
      return cb.refuse(401, 'sso.invalid_response', name);
    }
  }
  const email = typeof profile.email === 'string' ? profile.email.trim() : '';
  if (!email || profile.email_verified !== true) {
    cb.log('sso.unverified', { org: org.id });
    return cb.refuse(403, 'sso.unverified', name);
  }
  const domain = domainOf(email);
  if (!domain || !org.sso.domains.includes(domain)) {
    cb.log('sso.wrong_domain', { org: org.id });
    return cb.refuse(403, 'sso.wrong_domain', { ...name, email });
  }
  return email;
}

/** The local user of the upstream subject (linked, or linked now); F2: the re-authenticating one. */
async function localUser(
  cb: Callback,
  org: SsoOrganization,
  attempt: Attempt,
  upstream: { issuer: string; subject: string; email: string },
): Promise<User | undefined> {
  const { ctx, services } = cb;
  const name = { org: org.name };
  const linked = await resolveUpstreamUser(
    services.sor,
    org,
    upstream,
    { ip: ctx.ip, userAgent: ctx.get('user-agent') },
    await invitationOf(services.sor, ctx.cookies.get(INVITE_COOKIE, { signed: true })),
  );
  if (!linked.ok) {
    cb.log(`sso.${linked.reason}`, { org: org.id });
    return cb.refuse(403, REFUSALS[linked.reason], { ...name, email: upstream.email });
  }
  if (attempt.reauthOf && linked.user.id !== attempt.reauthOf) {
    // F2: a re-authentication never silently switches to another account.
    cb.log('sso.other_account', { org: org.id });
    return cb.refuse(403, 'sso.other_account', name);
  }
  return linked.user;
}

async function completeSignIn(
  cb: Callback,
  provider: Provider,
  user: User,
  claims: Claims,
  sso: SsoSignInResult,
  startedAt: number,
): Promise<void> {
  const { ctx, details } = cb;
  const redirectTo = await provider.interactionResult(
    ctx.req,
    ctx.res,
    {
      login: {
        accountId: user.id,
        amr: federatedAmr(claims.amr),
        acr: ACR_FEDERATED,
        ts: authTimeFor(user, startedAt),
      },
      // Read on the resume request by the mfa prompt's check (src/sso/session-mark.ts).
      sso,
    },
    { mergeWithLastSubmission: false },
  );
  cb.services.logger.info(
    { event: 'sso.signed_in', org: sso.orgId, interaction: details.uid, upstreamMfa: sso.upstreamMfa },
    'SSO sign-in',
  );
  ctx.status = 303;
  ctx.redirect(redirectTo);
}
