// E2, E3: the security settings pages on a host (M1–M4, T1, G4, G5, I8's "end other sessions"):
// /account/security and its forms, signed in through the provider session the host's own login
// created. Signing in to them is an authorization request of Deadbolt's own client (as on the
// reference server, src/account/login.ts): the host's login prompt, then the mfa prompt. The
// re-authentication (T1) asks the host's accounts port. Only these paths are Deadbolt's:
// /account/security(/…), /account/login, /account/callback and /account/logout; what needs
// Deadbolt's own directory (password change, e-mail verification, organizations) is not there.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { accountNavRoutes } from '../account/account-nav.ts';
import { accountLoginRouter } from '../account/login.ts';
import { rememberedDeviceRoutes } from '../account/remembered-devices.ts';
import { securityRoutes } from '../account/security.ts';
import type { MfaService } from '../mfa/service.ts';
import { withReadMemo } from '../store/read-memo.ts';
import { type PageChainDeps, pageChain } from './page-chain.ts';

const PATHS = /^\/account\/(security(\/(?!apps\/).*)?|login|callback|logout)$/; // not I8's apps: the host's consents

export function accountRoutes(provider: Provider, deps: PageChainDeps & { mfa: MfaService }): Middleware {
  const { services, mfa } = deps;
  const pages = new Router();
  accountNavRoutes(pages, provider, services, mfa); // U7: sign out
  securityRoutes(pages, provider, services, mfa);
  rememberedDeviceRoutes(pages, provider, services, mfa); // G4
  const login = accountLoginRouter(services.config.issuer);
  pages.use(login.routes() as Middleware, login.allowedMethods() as Middleware);
  // The security page leaves out what lives in Deadbolt's own directory (src/account/security-page.ts).
  const chain = pageChain(pages, deps, { hostDirectory: true });
  return async function deadboltAccountPages(ctx, next) {
    if (!PATHS.test(ctx.path)) return next();
    return withReadMemo(() => chain(ctx, async () => {}));
  };
}
