// /interaction/:uid routes. GET shows the page for the pending prompt; each step posts to its own
// path. Later prompts (mfa) plug in through `extraPrompts` without touching this file.
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import { interactionExpired } from '../http/errors.ts';
import type { Services } from '../services.ts';
import { abortInteraction, showConsent, submitConsent } from './consent.ts';
import { loadInteraction } from './load.ts';
import { type LoginHooks, showLogin, submitLogin } from './login.ts';
import { createLoginLimits } from './login-limits.ts';

export type PromptPage = (ctx: Context, details: Interaction) => Promise<void>;

export interface InteractionExtension {
  /** Page shown by GET /interaction/:uid for this prompt name (with `show`). */
  prompt?: string;
  show?: PromptPage;
  /** Extra routes under /interaction/:uid/; `login` are every extension's sign-in hooks (e.g. F1). */
  routes?: (router: Router, login: LoginHooks[]) => void;
  /** Hooks into the e-mail/password step (e.g. enterprise SSO). */
  login?: LoginHooks;
}

export function interactionRouter(
  provider: Provider,
  services: Services,
  extensions: InteractionExtension[] = [],
) {
  const router = new Router({ prefix: '/interaction/:uid' });
  const limits = createLoginLimits(services.eph, services.config);
  const hooks = extensions.flatMap((e) => (e.login ? [e.login] : []));
  const pages = new Map<string, PromptPage>([
    [
      'login',
      async (ctx, details) => {
        for (const h of hooks) if (await h.show?.(ctx, details)) return;
        await showLogin(ctx, provider, details, { hooks });
      },
    ],
    ['consent', (ctx, details) => showConsent(ctx, provider, details)],
    ...extensions.flatMap((e) => (e.prompt && e.show ? [[e.prompt, e.show] as [string, PromptPage]] : [])),
  ]);

  router.get('/', async (ctx) => {
    const details = await loadInteraction(ctx, provider);
    const page = pages.get(details.prompt.name);
    if (!page) throw interactionExpired(); // e.g. the mfa prompt, whose pages are src/extension/routes.ts
    await page(ctx, details);
  });
  router.post('/login', (ctx) => submitLogin(ctx, provider, services, limits, hooks));
  router.post('/consent', (ctx) => submitConsent(ctx, provider, services.sor));
  router.get('/abort', (ctx) => abortInteraction(ctx, provider));
  for (const e of extensions) e.routes?.(router, hooks);
  return router;
}
