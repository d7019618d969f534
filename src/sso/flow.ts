// The federated sign-in itself (F1), with openid-client 6: authorization code + PKCE + state +
// nonce towards the organization's upstream provider, then the callback that validates everything
// and finishes our interaction with amr ["fed", …] and acr urn:deadbolt:acr:fed.
//
// Per-attempt state lives in the ephemeral store under `sso:attempt:<state>` (state is 32 random
// bytes), bound to the interaction uid; it is taken (read and deleted) once. The upstream redirects
// to the fixed `${ISSUER}/sso/callback`, which only hops to `/interaction/<uid>/sso/callback`: there
// the interaction cookie proves it is the browser that started the attempt (./callback.ts).

import type { Context } from 'koa';
import type { Interaction } from 'oidc-provider';
import * as client from 'openid-client';
import { renderPage } from '../http/render.ts';
import type { Services } from '../services.ts';
import { discover } from './discovery.ts';
import type { SsoOrganization } from './realm.ts';
import { callbackUrl } from './settings.ts';

const ATTEMPT_TTL_SECONDS = 600;
const STATE = /^[A-Za-z0-9_-]{16,128}$/;

export interface Attempt {
  uid: string;
  orgId: string;
  issuer: string;
  clientId: string;
  nonce: string;
  verifier: string;
  /** A re-authentication (F2, src/sso/reauth.ts): only this account may come back. */
  reauthOf?: string;
}

export const attemptKey = (state: string) => `sso:attempt:${state}`;

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
