// E3: `routes()` — the koa middleware that serves only Deadbolt's pages on a host's app: the mfa
// prompt's page (GET /interaction/:uid while the pending prompt is `mfa`), its form posts under
// /interaction/:uid/mfa/, the locked page's abort link, and the pages' stylesheet and scripts.
// Everything else — the host's login page at the same path included — goes on to the host's
// middleware untouched.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { serveStatic } from '../http/static.ts';
import { abortInteraction } from '../interactions/consent.ts';
import { loadInteraction } from '../interactions/load.ts';
import { mfaExtension } from '../interactions/mfa/index.ts';
import type { MfaService } from '../mfa/service.ts';
import { withReadMemo } from '../store/read-memo.ts';
import { type PageChainDeps, pageChain } from './page-chain.ts';

const INTERACTION = /^\/interaction\/([^/]+)(\/.*)?$/;

/** Is the pending prompt of this browser's interaction `uid` the mfa prompt? */
async function atMfaPrompt(
  ctx: Context,
  provider: Provider,
  uid: string,
  warn: () => void,
): Promise<boolean> {
  if (!ctx.app.keys) {
    throw new Error(
      'deadbolt.routes(): the koa app has no keys; set app.keys to the provider configuration cookies.keys',
    );
  }
  const name = provider.cookieName('interaction');
  const id = ctx.cookies.get(name, { signed: true });
  // The provider's cookie whose signature does not check with the app's keys: tampered, or the
  // app's keys are not the provider's (then say so once); either way not Deadbolt's page (X1).
  if (id !== uid && ctx.cookies.get(name) === uid) warn();
  if (id !== uid) return false;
  // A store error: ours (the page answers 503, X2), never the host's page by mistake.
  const interaction = await provider.Interaction.find(uid).catch(() => ({ prompt: { name: 'mfa' } }));
  return interaction?.prompt.name === 'mfa';
}

export interface RoutesDeps extends PageChainDeps {
  mfa: MfaService;
}

export function mfaRoutes(provider: Provider, deps: RoutesDeps): Middleware {
  const { services, mfa } = deps;
  const pages = mfaExtension(provider, services, mfa);
  const router = new Router({ prefix: '/interaction/:uid' });
  router.get('/', async (ctx) => pages.show?.(ctx, await loadInteraction(ctx, provider, 'mfa')));
  router.get('/abort', (ctx) => abortInteraction(ctx, provider));
  pages.routes?.(router, []); // no sign-in page of ours on a host: no login hooks
  const chain = pageChain(router, deps);

  let warned = false;
  const warnKeys = () => {
    if (!warned)
      services.logger.warn('deadbolt.routes(): app.keys must be the provider configuration cookies.keys');
    warned = true;
  };
  return async function deadboltRoutes(ctx, next) {
    if (ctx.path.startsWith('/static/')) return serveStatic(ctx, next);
    const match = INTERACTION.exec(ctx.path);
    if (!match) return next();
    const [, uid, rest = ''] = match;
    const ours =
      rest.startsWith('/mfa/') ||
      (ctx.method === 'GET' &&
        (rest === '' || rest === '/' || rest === '/abort') &&
        (await atMfaPrompt(ctx, provider, uid, warnKeys)));
    if (!ours) return next();
    return withReadMemo(() => chain(ctx, async () => {}));
  };
}
