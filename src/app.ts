// Builds the HTTP application: our routes first, the provider mounted last (Koa builds its chain
// at callback() time, so everything is mounted before the server starts).
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import { recoveryRouter } from './account/recovery.ts';
import { createRecoveryTokens } from './account/recovery-tokens.ts';
import { accountRouters } from './account/router.ts';
import { adminRouter } from './admin/router.ts';
import { brandingResolver } from './branding/resolve.ts';
import { brandingRouter } from './branding/routes.ts';
import { demoRouter } from './demo/router.ts';
import { publicDocumentCache } from './http/cache.ts';
import { errorHandler, unavailable } from './http/error-handler.ts';
import { badRequest } from './http/errors.ts';
import { healthz } from './http/health.ts';
import { landingRouter } from './http/landing.ts';
import { localeMiddleware } from './http/locale.ts';
import { type Metrics, observe } from './http/observability.ts';
import { pinToIssuer } from './http/origin.ts';
import { formActionSources, securityHeaders } from './http/security-headers.ts';
import { serveStatic } from './http/static.ts';
import { deadboltOnServices } from './index.ts';
import { interactionRouter } from './interactions/router.ts';
import type { MfaPolicy } from './mfa/policy.ts';
import type { MfaService } from './mfa/service.ts';
import { logBackchannelEvents } from './oidc/backchannel.ts';
import { createProvider } from './oidc/provider.ts';
import type { Services } from './services.ts';
import { ssoCallbackRouter, ssoExtension } from './sso/routes.ts';
import { withReadMemo } from './store/read-memo.ts';

export interface AppParts {
  app: Koa;
  provider: Provider;
  metrics: Metrics;
  mfa: MfaService;
}

export interface AppOptions {
  /** Replaces the default MFA policy hook (P3), everywhere the decision is made. */
  mfaPolicy?: MfaPolicy;
  /** The MFA decision's clock in ms (G2 enforcement dates); default Date.now. For tests. */
  clock?: () => number;
}

export function createApp(services: Services, options: AppOptions = {}): AppParts {
  const { config, logger, metrics } = services;
  // E4: the MFA step comes through the public API, as for any host: configure() and routes().
  const deadbolt = deadboltOnServices(services, {
    policy: options.mfaPolicy,
    clock: options.clock,
    accountPages: false, // its own account pages (below) have the password, e-mail and organizations too
  });
  const { mfa } = deadbolt;
  const provider = createProvider(services, deadbolt);
  // I4: routes() also logs every session endEverything destroys out at its relying parties.
  const mfaPages = deadbolt.routes(provider);
  logBackchannelEvents(provider, logger);
  const app = new Koa();
  app.keys = config.cookieKeys;
  app.proxy = config.trustProxy;
  // Behind one load balancer, the client is the address it appended (the last X-Forwarded-For
  // entry); earlier entries come from the client and would let it pick its own IP (L1 limits).
  app.maxIpsCount = 1;
  app.silent = true;
  useFoundation(app, services);
  usePages(app, provider, services, deadbolt, mfaPages);
  // oidc-provider swallows its own 500s: log them, and keep the error for errorHandler (X2).
  provider.on('server_error', (ctx: Koa.Context, err: unknown) => {
    ctx.state.providerError = err;
    if (!unavailable(err)) (ctx.state.log ?? logger).error({ err }, 'provider error');
  });
  app.use(publicDocumentCache);
  app.use(mount(provider));
  return { app, provider, metrics, mfa };
}

/** What every request goes through first: the issuer, the read memo, headers, logs, errors, ops. */
function useFoundation(app: Koa, services: Services): void {
  const { config, logger, sor, eph, metrics } = services;
  app.use(pinToIssuer(app, config.issuer)); // V4: first, so every URL below comes from ISSUER
  app.use((_ctx, next) => withReadMemo(next)); // issue 18: repeated store reads within a request
  app.use(
    securityHeaders({
      production: config.env === 'production',
      trustProxy: config.trustProxy,
      // I6, A2: the current clients' origins (a briefly cached list, so a new client works at once).
      formAction: async () =>
        formActionSources(config.issuer, await services.clients.list({ maxAgeMs: 3_000 })),
      logger,
    }),
  );
  app.use(observe(logger, metrics));
  app.use(errorHandler(logger));
  app.use(serveStatic);
  const ops = new Router();
  ops.get('/healthz', healthz(sor, eph));
  ops.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  app.use(ops.routes());
}

/** Only our hosted pages parse bodies; the provider parses its own endpoints. */
function pageBodies(config: Services['config']): Koa.Middleware {
  const body = bodyParser({
    enableTypes: ['form'],
    formLimit: String(config.maxBodyBytes),
    encoding: 'utf-8',
    // X1: a body that cannot be decoded (e.g. a corrupt gzip stream) is the client's fault, not a 500.
    onError: (err) => {
      throw typeof (err as { status?: unknown }).status === 'number' ? err : badRequest();
    },
  });
  const pages = ['/interaction/', '/account/', '/recover'];
  return (ctx, next) => (pages.some((p) => ctx.path.startsWith(p)) ? body(ctx, next) : next());
}

/** The hosted pages: sign-in, the MFA step, SSO, recovery, admin API, account pages, landing, demo. */
function usePages(
  app: Koa,
  provider: Provider,
  services: Services,
  deadbolt: ReturnType<typeof deadboltOnServices>,
  mfaPages: Koa.Middleware,
): void {
  const { config, sor } = services;
  const { mfa } = deadbolt;
  // U4: recovery links, voided by a successful sign-in (the login hook).
  const recoveryTokens = createRecoveryTokens(services.eph.kv, config.mail.recoveryTtlSeconds);
  const interactions = interactionRouter(provider, services, [
    { login: { afterPassword: (_ctx, _d, user) => recoveryTokens.forget(user.id).then(() => false) } },
    ssoExtension(provider, services), // F1: home-realm discovery and the upstream sign-in
    ...deadbolt.signInPageExtensions(provider), // W3: the passkey button on the sign-in page
  ]);
  app.use(localeMiddleware);
  app.use(pageBodies(config));
  app.use(brandingResolver(provider, services)); // X9: which organization's branding a page shows
  app.use(brandingRouter(sor).routes());
  app.use(mfaPages); // the mfa prompt's pages (/interaction/:uid while it is pending, …/mfa/*)
  app.use(interactions.routes()).use(interactions.allowedMethods());
  app.use(ssoCallbackRouter(services).routes());
  const recovery = recoveryRouter(services, mfa, recoveryTokens);
  app.use(recovery.routes()).use(recovery.allowedMethods());
  const admin = adminRouter(provider, services, mfa); // A1
  app.use(admin.routes()).use(admin.allowedMethods());
  for (const r of accountRouters(provider, services, mfa)) app.use(r.routes()).use(r.allowedMethods());
  app.use(landingRouter(config.issuer, config.demo).routes()); // issue 16 item 8: / is a page
  if (config.demo) app.use(demoRouter(config.issuer).routes());
}
