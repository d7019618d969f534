// Demo relying party (development): a newcomer signs in through the IdP with openid-client and sees
// the ID token's amr/acr/auth_time. It talks to this server over HTTP like any relying party.
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import * as client from 'openid-client';
import { renderPage } from '../http/render.ts';
import { ACR_MFA } from '../oidc/acr.ts';
import type { ClientConfig } from '../oidc/clients.ts';

export const DEMO_CLIENT_ID = 'deadbolt-demo';
const COOKIE = 'deadbolt_demo';

export function demoClient(issuer: string): ClientConfig {
  return {
    client_id: DEMO_CLIENT_ID,
    client_name: 'Deadbolt demo app',
    redirect_uris: [`${issuer}/demo/callback`],
    post_logout_redirect_uris: [`${issuer}/demo`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    first_party: true,
  };
}

export function demoRouter(issuer: string, fetchBase = issuer) {
  const router = new Router({ prefix: '/demo' });
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => {
    discovered ??= client
      .discovery(new URL(fetchBase), DEMO_CLIENT_ID, undefined, client.None(), {
        execute: [client.allowInsecureRequests],
      })
      .catch((err) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  };

  router.get('/', async (ctx: Context) => {
    await renderPage(ctx, 'demo', { title: 'Demo relying party', claims: null, issuer });
  });

  router.get('/login', (ctx: Context) => startLogin(ctx, issuer, configuration));
  router.get('/callback', (ctx: Context) => finishLogin(ctx, issuer, configuration));
  return router;
}

type Discovered = () => Promise<client.Configuration>;

/** To the IdP: code flow with PKCE, state and nonce kept in a signed cookie. */
async function startLogin(ctx: Context, issuer: string, configuration: Discovered): Promise<void> {
  const config = await configuration();
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const params: Record<string, string> = {
    redirect_uri: `${issuer}/demo/callback`,
    scope: 'openid email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  };
  if (ctx.query.mfa === '1') params.acr_values = ACR_MFA;
  if (ctx.query.login === '1') params.prompt = 'login';
  ctx.cookies.set(COOKIE, JSON.stringify({ verifier, state, nonce }), {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
  });
  ctx.redirect(client.buildAuthorizationUrl(config, params).href);
}

/** Back from the IdP: the code exchanged, the ID token's claims shown. */
async function finishLogin(ctx: Context, issuer: string, configuration: Discovered): Promise<void> {
  const raw = ctx.cookies.get(COOKIE, { signed: true });
  if (!raw) return ctx.redirect('/demo');
  ctx.cookies.set(COOKIE, null);
  const { verifier, state, nonce } = JSON.parse(raw) as Record<string, string>;
  const config = await configuration();
  const current = new URL(ctx.originalUrl, issuer);
  const tokens = await client
    .authorizationCodeGrant(config, current, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    })
    .catch((err: Error) => {
      ctx.status = 400;
      return err;
    });
  if (tokens instanceof Error) {
    return renderPage(
      ctx,
      'demo',
      { title: 'Demo relying party', claims: null, issuer, error: tokens.message },
      400,
    );
  }
  const claims = tokens.claims() ?? {};
  await renderPage(ctx, 'demo', {
    title: 'Demo relying party',
    issuer,
    claims: JSON.stringify(claims, null, 2),
    idToken: tokens.id_token ?? '',
    logout: client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token ?? '',
      post_logout_redirect_uri: `${issuer}/demo`,
      state: randomBytes(8).toString('hex'),
    }).href,
  });
}
