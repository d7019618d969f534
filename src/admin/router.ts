// A1: the admin REST API under /admin/v1, built from the route table (the same table generates the
// OpenAPI document at /admin/v1/openapi.json). Per call: authenticate the client-credentials token,
// rate-limit per client, check the scope, validate the input, run, audit with the client as actor.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { z } from 'zod';
import { type AuditAction, audit } from '../audit.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import type { RateLimiter } from '../store/ports.ts';
import { type AdminCaller, authenticate, rateLimit, requireScope } from './auth.ts';
import { openApiDocument } from './openapi.ts';
import { invalid, Problem, problemHandler } from './problem.ts';
import type { AdminRoute } from './route.ts';
import { auditRoutes } from './routes-audit.ts';
import { clientRoutes } from './routes-clients.ts';
import { invitationRoutes } from './routes-invitations.ts';
import { orgRoutes } from './routes-orgs.ts';
import { rolloutRoutes } from './routes-rollout.ts';
import { ssoRoutes } from './routes-sso.ts';
import { userRoutes } from './routes-users.ts';

export const ADMIN_PREFIX = '/admin/v1';
export const ADMIN_ROUTES: AdminRoute[] = [
  ...orgRoutes,
  ...rolloutRoutes,
  ...invitationRoutes,
  ...ssoRoutes,
  ...userRoutes,
  ...clientRoutes,
  ...auditRoutes,
];

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw invalid(`${where}${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`);
}

function who(ctx: Context, caller: AdminCaller) {
  return {
    actorUserId: null,
    actorLabel: `client:${caller.clientId}`,
    ip: ctx.ip,
    userAgent: ctx.get('user-agent'),
  };
}

export function adminRouter(provider: Provider, services: Services, mfa: MfaService): Router {
  const { config } = services;
  const limiter = services.eph.rateLimiter({
    keyPrefix: 'admin:client',
    points: config.adminRateLimitPerMinute,
    durationSeconds: 60,
  });
  const router = new Router({ prefix: ADMIN_PREFIX });
  router.use(problemHandler(services.logger));
  router.use(
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: String(config.maxBodyBytes),
      onError: () => {
        throw invalid('the body is not valid JSON');
      },
    }),
  );
  const document = openApiDocument(ADMIN_ROUTES, config.issuer);
  router.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });
  for (const r of ADMIN_ROUTES) {
    router[r.method](r.path.replace(/\{(\w+)\}/g, ':$1'), (ctx) =>
      handle(r, ctx, { provider, services, mfa, limiter }),
    );
  }
  return router;
}

interface Handling {
  provider: Provider;
  services: Services;
  mfa: MfaService;
  limiter: RateLimiter;
}

/** One call of an admin route: the caller, its rate limit and scope, the input, the audit (R3). */
async function handle(
  r: AdminRoute,
  ctx: Context,
  { provider, services, mfa, limiter }: Handling,
): Promise<void> {
  const { sor } = services;
  const caller = await authenticate(provider, ctx);
  await rateLimit(limiter, caller);
  try {
    requireScope(caller, r.scope);
    const input = {
      params: parse(r.params, ctx.params, 'path'),
      query: parse(r.query, { ...ctx.query }, 'query'),
      body: parse(r.body, ctx.request.body ?? {}, 'body'),
      caller,
      ctx,
    };
    const result = await r.handler({ services, mfa }, input);
    const a = result.audit ?? { action: 'admin.read', details: { operation: r.operationId } };
    await audit(
      sor,
      who(ctx, caller),
      a.action as AuditAction,
      { orgId: a.orgId, userId: a.userId },
      a.details ?? {},
    );
    ctx.status = result.status;
    if (result.body !== undefined) ctx.body = result.body;
  } catch (err) {
    if (err instanceof Problem && err.status === 403) {
      await audit(
        sor,
        who(ctx, caller),
        'admin.denied' as AuditAction,
        {},
        { operation: r.operationId, reason: err.slug },
      );
    }
    throw err;
  }
}
