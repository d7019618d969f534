// U7: the account pages' way out. "Sign out" (POST with CSRF) ends this browser's session — the
// provider session behind the account pages — as the provider's own logout does (its grants
// without offline access revoked, its relying parties logged out by back-channel, I4), and shows
// the signed-out page. "Back to <app>":
// opening an account page with ?client_id=<registered client> remembers that app (signed cookie),
// and the pages link back to the origin of its first registered redirect URI only (V4: never an
// address taken from the request).
import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import { renderPage } from '../http/render.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import { ACCOUNT_CLIENT_ID } from './login.ts';
import { accountMiddleware } from './middleware.ts';

const APP_COOKIE = 'deadbolt_account_app';

/** The app the account pages were opened from: its name and its registered origin. */
async function backToApp(ctx: Context, services: Services): Promise<{ name: string; href: string } | null> {
  const asked = typeof ctx.query.client_id === 'string' ? ctx.query.client_id : undefined;
  const clientId = asked ?? ctx.cookies.get(APP_COOKIE, { signed: true });
  if (!clientId || clientId.length > 200) return null;
  const found = await services.clients.find(clientId);
  const uri = found?.redirect_uris?.[0];
  if (!found || !uri || found.client_id === ACCOUNT_CLIENT_ID) return null;
  if (asked)
    ctx.cookies.set(APP_COOKIE, clientId, {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      path: '/account',
    });
  return { name: found.client_name ?? found.client_id, href: `${new URL(uri).origin}/` };
}

/** Every account page gets `backToApp` in its view state; POST /account/logout signs out. */
export function accountNavRoutes(router: Router, provider: Provider, services: Services, mfa: MfaService) {
  router.use(async (ctx: Context, next: Next) => {
    if (ctx.method === 'GET') ctx.state.backToApp = await backToApp(ctx, services);
    return next();
  });

  // Without a signed-in session there is nothing to end (and no token to check): signed out.
  const account = accountMiddleware(provider, mfa, services.config.cookieKeys[0]);
  router.post('/account/logout', account({ optional: true }), async (ctx) => {
    const s = ctx.state.account;
    if (s) await mfa.sessions.endSession(s.sessionId);
    const name = provider.cookieName('session');
    ctx.cookies.set(name, null);
    ctx.cookies.set(`${name}.sig`, null);
    const back = await backToApp(ctx, services);
    await renderPage(ctx, 'account-signed-out', { title: ctx.state.t('logout.title'), backToApp: back });
  });
}
