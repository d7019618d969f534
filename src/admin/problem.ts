// A1: errors of the admin API as RFC 9457 problem details (`application/problem+json`: type,
// title, status, detail). Every refusal of the API goes through here; nothing else is a 500.
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { z } from 'zod';
import { unavailable } from '../http/error-handler.ts';
import { ConflictError } from '../store/ports.ts';

export const PROBLEM_TYPE_BASE = 'https://deadbolt.dev/problems/';

export class Problem extends Error {
  readonly status: number;
  readonly slug: string;
  readonly detail: string;
  readonly headers: Record<string, string>;
  constructor(status: number, slug: string, detail: string, headers: Record<string, string> = {}) {
    super(detail);
    this.status = status;
    this.slug = slug;
    this.detail = detail;
    this.headers = headers;
  }
}

const TITLES: Record<string, string> = {
  unauthorized: 'Authentication required',
  insufficient_scope: 'Insufficient scope',
  forbidden_organization: 'Organization not allowed for this client',
  not_found: 'Not found',
  invalid_request: 'Invalid request',
  conflict: 'Conflict',
  rate_limited: 'Too many requests',
  unavailable: 'Service unavailable',
  internal: 'Internal error',
};

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
  })
  .meta({ id: 'Problem' });

export function sendProblem(ctx: Context, p: Problem): void {
  ctx.status = p.status;
  for (const [k, v] of Object.entries(p.headers)) ctx.set(k, v);
  ctx.type = 'application/problem+json';
  ctx.body = JSON.stringify({
    type: `${PROBLEM_TYPE_BASE}${p.slug}`,
    title: TITLES[p.slug] ?? p.slug,
    status: p.status,
    detail: p.detail,
  });
}

export const notFound = (what: string) => new Problem(404, 'not_found', `${what} not found`);
export const invalid = (detail: string) => new Problem(400, 'invalid_request', detail);

/** Maps every error under /admin/v1 to a problem; unknown ones are logged and answered 500. */
export function problemHandler(logger: Logger) {
  return async function adminProblems(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) sendProblem(ctx, notFound(`route ${ctx.path}`));
    } catch (err) {
      if (err instanceof Problem) return sendProblem(ctx, err);
      if (err instanceof ConflictError) return sendProblem(ctx, new Problem(409, 'conflict', err.message));
      const down = unavailable(err); // X2, Z3: fail closed with a 503
      if (down) {
        return sendProblem(
          ctx,
          new Problem(503, 'unavailable', `${down.store} is unavailable`, { 'retry-after': '5' }),
        );
      }
      const status = (err as { status?: number }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return sendProblem(ctx, new Problem(status, 'invalid_request', (err as Error).message));
      }
      logger.error({ err }, 'admin API error');
      sendProblem(ctx, new Problem(500, 'internal', 'unexpected error'));
    }
  };
}
