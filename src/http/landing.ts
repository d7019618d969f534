// The landing page at / (issue 16 item 8): what this service is, the way to one's account, and for
// developers the discovery URL — instead of a 404.
import Router from '@koa/router';
import type { Context } from 'koa';
import { renderPage } from './render.ts';

export function landingRouter(issuer: string, demo: boolean): Router {
  const router = new Router();
  router.get('/', async (ctx: Context) => {
    await renderPage(ctx, 'landing', {
      title: ctx.state.t('landing.title'),
      discoveryUrl: `${issuer}/.well-known/openid-configuration`,
      demoHref: demo ? '/demo' : null,
    });
  });
  return router;
}
