// The federated sign-in itself (F1), with openid-client 6: authorization code + PKCE + state +
// nonce towards the organization's upstream provider, then the callback that validates everything
// and finishes our interaction with amr ["fed", …] and acr urn:deadbolt:acr:fed.
//
// Per-attempt state lives in the ephemeral store under `sso:attempt:<state>` (state is 32 random
// bytes), bound to the interaction uid; it is taken (read and deleted) once. The upstream redirects
// to the fixed `${ISSUER}/sso/callback`, which only hops to `/interaction/<uid>/sso/callback`: there
// the interaction cookie proves it is the browser that started the attempt.

import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import * as client from 'openid-client';
import { authTimeFor } from '../core/sessions.ts';
import { renderPage } from '../http/render.ts';
import { INVITE_COOKIE, invitationOf } from '../invitations/use.ts';
import { ACR_FEDERATED } from '../oidc/acr.ts';
import type { Services } from '../services.ts';
import { federatedAmr, upstreamDidMfa } from './amr.ts';
import { describeError, discover } from './discovery.ts';
import { type LinkRefusal, resolveUpstreamUser } from './link.ts';
import type { SsoOrganization } from './realm.ts';
import type { SsoSignInResult } from './session-mark.ts';
import { callbackUrl, domainOf } from './settings.ts';

const ATTEMPT_TTL_SECONDS = 600;
const STATE = /^[A-Za-z0-9_-]{16,128}$/;

interface Attempt {
  uid: string;
  orgId: string;
  issuer: string;
  clientId: string;
  nonce: string;
  verifier: string;
  /** A re-authentication (F2, src/sso/reauth.ts): only this account may come back. */
  reauthOf?: string;
}

const attemptKey = (state: string) => `sso:attempt:${state}`;

export function stateOf(ctx: Context): string | undefined {
  const state = ctx.query.state;
  return typeof state === 'string' && STATE.test(state) ? state : undefined;
}

/** Peeks at an attempt (the hop from /sso/callback to the interaction). */
export async function attemptOf(services: Services, state: string): Promise<Attempt | undefined> {
  const raw = await services.eph.kv.get(attemptKey(state));
  return raw ? (JSON.parse(raw) as Attempt) : undefined;
}

export async function showSsoError(
  ctx: Context,
  status: number,
  key: string,
  params: Record<string, string> = {},
  opts: { uid?: string; code?: string } = {},
): Promise<void> {
  const t = ctx.state.t;
  await renderPage(
    ctx,
    'sso-error',
    {
      title: t('sso.title'),
      message: t(key, params),
      code: opts.code ?? null,
      retryHref: opts.uid ? `/interaction/${opts.uid}` : null,
    },
    status,
  );
}

/** Sends the person to the organization's provider (303), or answers with a clear error page. */
export async function beginSso(
  ctx: Context,
  services: Services,
  details: Interaction,
  org: SsoOrganization,
  email: string,
  opts: { reauthOf?: string; promptLogin?: boolean } = {},
): Promise<void> {
  const { config, logger, eph } = services;
  const outcome = await discover(config, org.id, org.sso);
  if (!outcome.ok) {
    // Never a silent fallback to the password (F1): the connection is broken, say so.
    logger.warn({ event: 'sso.broken', org: org.id, reason: outcome.reason }, 'SSO discovery failed');
    return showSsoError(ctx, 502, 'sso.broken', { org: org.name }, { uid: details.uid });
  }
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  const attempt: Attempt = {
    uid: details.uid,
    orgId: org.id,
    issuer: org.sso.issuer,
    clientId: org.sso.clientId,
    nonce,
    verifier,
    ...(opts.reauthOf ? { reauthOf: opts.reauthOf } : {}),
  };
  const ttl = Math.min(ATTEMPT_TTL_SECONDS, config.ttl.interaction);
  await eph.kv.set(attemptKey(state), JSON.stringify(attempt), ttl);
  const params: Record<string, string> = {
    redirect_uri: callbackUrl(config),
    scope: org.sso.scopes,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  };
  if (email) params.login_hint = email;
  if (ctx.state.locale) params.ui_locales = String(ctx.state.locale);
  // What the relying party asked of the authentication is asked of the upstream in turn.
  // The provider turns max_age=0 into prompt=login (OIDC Core: the same request); upstream, both are
  // sent, so that it re-authenticates and reports auth_time (F2, P6).
  const rp = details.params as { max_age?: unknown; prompt?: unknown };
  if (rp.max_age !== undefined) params.max_age = String(rp.max_age);
  const login = typeof rp.prompt === 'string' && rp.prompt.split(' ').includes('login');
  if (login || opts.promptLogin) {
    params.prompt = 'login';
    params.max_age = '0';
  }
  const url = client.buildAuthorizationUrl(outcome.configuration, params);
  logger.info({ event: 'sso.started', org: org.id, interaction: details.uid }, 'SSO sign-in started');
  ctx.status = 303;
  ctx.redirect(url.href);
}

const REFUSALS: Record<LinkRefusal, string> = {
  other_org: 'sso.other_org',
  not_member: 'sso.not_member',
  no_account: 'sso.no_account',
  already_linked: 'sso.already_linked',
};

/** GET /interaction/:uid/sso/callback: validates the upstream's answer and finishes the sign-in. */
export async function finishSso(
  ctx: Context,
  provider: Provider,
  services: Services,
  details: Interaction,
): Promise<void> {
  const { config, logger, sor, eph } = services;
  const log = (event: string, extra: Record<string, unknown> = {}) =>
    logger.info({ event, interaction: details.uid, ...extra }, 'SSO sign-in refused');
  const state = stateOf(ctx);
  const raw = state ? await eph.kv.take(attemptKey(state)) : undefined;
  const attempt = raw ? (JSON.parse(raw) as Attempt) : undefined;
  // The MFA step's re-authentication (T1, F2) comes back to an mfa prompt, bound to its account.
  const bound = attempt?.reauthOf === undefined || attempt.reauthOf === details.session?.accountId;
  const reauthOnly = details.prompt.name === 'mfa' && !attempt?.reauthOf;
  if (!state || !attempt || attempt.uid !== details.uid || !bound || reauthOnly) {
    log('sso.invalid_state');
    return showSsoError(ctx, 400, 'sso.invalid_state', {}, { uid: details.uid });
  }
  const found = await sor.findOrgById(attempt.orgId);
  if (!found?.sso || found.sso.issuer !== attempt.issuer || found.sso.clientId !== attempt.clientId) {
    log('sso.connection_changed', { org: attempt.orgId });
    return showSsoError(ctx, 400, 'sso.invalid_state', {}, { uid: details.uid });
  }
  const org = found as SsoOrganization;
  const name = { org: org.name };
  const outcome = await discover(config, org.id, org.sso);
  if (!outcome.ok) {
    logger.warn({ event: 'sso.broken', org: org.id, reason: outcome.reason }, 'SSO discovery failed');
    return showSsoError(ctx, 502, 'sso.broken', name, { uid: details.uid });
  }
  const { configuration } = outcome;

  // openid-client checks state, the iss response parameter (RFC 9207), PKCE, and the ID token's
  // signature, issuer, audience, expiry and nonce.
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(
      configuration,
      new URL(`${callbackUrl(config)}${ctx.search}`),
      {
        pkceCodeVerifier: attempt.verifier,
        expectedState: state,
        expectedNonce: attempt.nonce,
        idTokenExpected: true,
      },
    );
  } catch (err) {
    if (err instanceof client.AuthorizationResponseError) {
      log('sso.upstream_error', { org: org.id, error: err.error });
      const denied = err.error === 'access_denied';
      return showSsoError(ctx, denied ? 403 : 400, denied ? 'sso.denied' : 'sso.upstream_error', name, {
        uid: details.uid,
        code: err.error,
      });
    }
    logger.warn(
      { event: 'sso.invalid_response', org: org.id, reason: describeError(err) },
      'SSO response refused',
    );
    return showSsoError(ctx, 401, 'sso.invalid_response', name, { uid: details.uid });
  }
  const claims = tokens.claims();
  if (!claims) return showSsoError(ctx, 401, 'sso.invalid_response', name, { uid: details.uid });

  // The e-mail and whether the upstream verified it: from the ID token, else from userinfo.
  let profile: { email?: unknown; email_verified?: unknown } = {
    email: claims.email,
    email_verified: claims.email_verified,
  };
  if (claims.email === undefined) {
    try {
      profile = await client.fetchUserInfo(configuration, tokens.access_token, claims.sub);
    } catch (err) {
      logger.warn(
        { event: 'sso.invalid_response', org: org.id, reason: describeError(err) },
        'SSO userinfo refused',
      );
      return showSsoError(ctx, 401, 'sso.invalid_response', name, { uid: details.uid });
    }
  }
  const email = typeof profile.email === 'string' ? profile.email.trim() : '';
  if (!email || profile.email_verified !== true) {
    log('sso.unverified', { org: org.id });
    return showSsoError(ctx, 403, 'sso.unverified', name, { uid: details.uid });
  }
  const domain = domainOf(email);
  if (!domain || !org.sso.domains.includes(domain)) {
    log('sso.wrong_domain', { org: org.id });
    return showSsoError(ctx, 403, 'sso.wrong_domain', { ...name, email }, { uid: details.uid });
  }

  const issuer = configuration.serverMetadata().issuer;
  const startedAt = Date.now(); // V3: before the user is read
  const linked = await resolveUpstreamUser(
    sor,
    org,
    { issuer, subject: claims.sub, email },
    { ip: ctx.ip, userAgent: ctx.get('user-agent') },
    await invitationOf(sor, ctx.cookies.get(INVITE_COOKIE, { signed: true })),
  );
  if (!linked.ok) {
    log(`sso.${linked.reason}`, { org: org.id });
    return showSsoError(ctx, 403, REFUSALS[linked.reason], { ...name, email }, { uid: details.uid });
  }
  if (attempt.reauthOf && linked.user.id !== attempt.reauthOf) {
    // F2: a re-authentication never silently switches to another account.
    log('sso.other_account', { org: org.id });
    return showSsoError(ctx, 403, 'sso.other_account', name, { uid: details.uid });
  }

  const sso: SsoSignInResult = { orgId: org.id, issuer, upstreamMfa: upstreamDidMfa(claims.amr) };
  const redirectTo = await provider.interactionResult(
    ctx.req,
    ctx.res,
    {
      login: {
        accountId: linked.user.id,
        amr: federatedAmr(claims.amr),
        acr: ACR_FEDERATED,
        ts: authTimeFor(linked.user, startedAt),
      },
      // Read on the resume request by the mfa prompt's check (src/sso/session-mark.ts).
      sso,
    },
    { mergeWithLastSubmission: false },
  );
  logger.info(
    { event: 'sso.signed_in', org: org.id, interaction: details.uid, upstreamMfa: sso.upstreamMfa },
    'SSO sign-in',
  );
  ctx.status = 303;
  ctx.redirect(redirectTo);
}
