// Signing in to the account pages: the pages are a first-party relying party of this very IdP
// (openid-client, code + PKCE), so the same sign-in — MFA step included — protects them.
import Router from '@koa/router';
import type { Context } from 'koa';
import * as client from 'openid-client';
import type { ClientConfig } from '../oidc/clients.ts';

export const ACCOUNT_CLIENT_ID = 'deadbolt-account';
const COOKIE = 'deadbolt_account_login';

export function accountClient(issuer: string): ClientConfig {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: 'Deadbolt account settings',
    redirect_uris: [`${issuer}/account/callback`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    first_party: true,
  };
}

/** Only local paths under /account are valid destinations after sign-in. */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/account(\/[A-Za-z0-9/_-]*)?$/.test(value)
    ? value
    : '/account/security';
}

export function accountLoginRouter(issuer: string, fetchBase = issuer): Router {
  const router = new Router({ prefix: '/account' });
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => {
    discovered ??= client
      .discovery(new URL(fetchBase), ACCOUNT_CLIENT_ID, undefined, client.None(), {
        execute: issuer.startsWith('http://') ? [client.allowInsecureRequests] : [],
      })
      .catch((err) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  };

  router.get('/login', async (ctx: Context) => {
    const config = await configuration();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const returnTo = safeReturnTo(ctx.query.return_to);
    ctx.cookies.set(COOKIE, JSON.stringify({ verifier, state, returnTo }), {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      maxAge: 15 * 60 * 1000,
    });
    const params: Record<string, string> = {
      redirect_uri: `${issuer}/account/callback`,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    };
    if (ctx.query.fresh === '1') params.prompt = 'login';
    ctx.redirect(client.buildAuthorizationUrl(config, params).href);
  });

  router.get('/callback', async (ctx: Context) => {
    const raw = ctx.cookies.get(COOKIE, { signed: true });
    ctx.cookies.set(COOKIE, null);
    if (!raw) return ctx.redirect('/account/login');
    const { verifier, state, returnTo } = JSON.parse(raw) as Record<string, string>;
    const config = await configuration();
    try {
      await client.authorizationCodeGrant(config, new URL(ctx.originalUrl, issuer), {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
    } catch {
      // Denied, expired or tampered: start again rather than show a half-signed-in page.
      ctx.status = 303;
      return ctx.redirect('/account/login');
    }
    ctx.status = 303;
    ctx.redirect(safeReturnTo(returnTo));
  });
  return router;
}
