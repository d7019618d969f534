// E3: what every page Deadbolt serves on a host goes through — the mfa prompt's and the security
// settings' alike: errors as pages (X1, X2), the pages' headers and CSP form-action sources, the
// locale, the host's brand and strings, and the form body.
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import compose from 'koa-compose';
import { errorHandler } from '../http/error-handler.ts';
import { badRequest } from '../http/errors.ts';
import { localeMiddleware } from '../http/locale.ts';
import type { Services } from '../services.ts';
import { type PagesOptions, pageOverrides } from './pages.ts';

export interface PageChainDeps {
  services: Services;
  pages?: PagesOptions;
  /** The form-action sources of the pages' CSP ('self' and the relying parties' origins). */
  formAction: () => string[];
}

/** The router's routes behind the pages' common middleware. */
export function pageChain(
  router: Router,
  deps: PageChainDeps,
  state: Record<string, unknown> = {},
): Middleware {
  const { services } = deps;
  const body = bodyParser({
    enableTypes: ['form'],
    formLimit: String(services.config.maxBodyBytes),
    encoding: 'utf-8',
    onError: (err) => {
      throw typeof (err as { status?: unknown }).status === 'number' ? err : badRequest();
    },
  });
  return compose<Context>([
    errorHandler(services.logger),
    async (ctx: Context, next: Next) => {
      ctx.state.formAction ??= deps.formAction(); // the reference server's own (A2) when set
      Object.assign(ctx.state, state);
      await next();
      ctx.set('x-content-type-options', 'nosniff');
      ctx.set('x-frame-options', 'DENY');
      ctx.set('referrer-policy', 'no-referrer');
    },
    localeMiddleware,
    pageOverrides(deps.pages),
    body,
    router.routes() as Middleware,
    router.allowedMethods() as Middleware,
  ]);
}
