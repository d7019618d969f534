// Turns every failure into a clear page or JSON error (X1, X2). 4xx keep their status, a store
// outage is a 503, anything unexpected is a generic 500 without details; only the log has them.
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import type { Translate } from '../i18n/index.ts';
import { StoreUnavailableError } from '../store/ports.ts';
import { HttpError } from './errors.ts';
import { localeOf } from './locale.ts';
import { renderPage } from './render.ts';

export function unavailable(err: unknown): StoreUnavailableError | undefined {
  for (let e = err; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof StoreUnavailableError) return e;
  }
  return undefined;
}

const STATUS_KEYS: Record<number, string> = {
  400: 'error.bad_request',
  403: 'error.forbidden',
  404: 'error.not_found',
  413: 'error.too_large',
  415: 'error.unsupported_type',
};

async function respond(ctx: Context, status: number, key: string, params?: Record<string, string | number>) {
  const t: Translate = ctx.state.t ?? localeOf(ctx).t;
  const message = t(key, params);
  if (!ctx.accepts('html') && ctx.accepts('json')) {
    ctx.status = status;
    ctx.body = {
      error: status === 503 ? 'temporarily_unavailable' : `http_${status}`,
      error_description: message,
    };
    return;
  }
  await renderPage(ctx, 'error', { title: t('error.title'), message, code: null }, status);
}

export function errorHandler(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) await respond(ctx, 404, 'error.not_found');
      // The provider's JSON endpoints (/token, /me, …) answer a store outage with 500 server_error;
      // app.ts marks it (provider 'server_error' event) and it becomes a 503 here (X2).
      const down = ctx.status === 500 ? unavailable(ctx.state.providerError) : undefined;
      if (down) {
        (ctx.state.log ?? logger).warn({ store: down.store }, 'store unavailable');
        ctx.set('retry-after', '5');
        ctx.status = 503;
        ctx.body = {
          error: 'temporarily_unavailable',
          error_description: localeOf(ctx).t('error.unavailable'),
        };
      }
    } catch (err) {
      const log: Logger = ctx.state.log ?? logger;
      if (err instanceof HttpError) return respond(ctx, err.status, err.messageKey, err.params);
      const down = unavailable(err);
      if (down) {
        log.warn({ store: down.store }, 'store unavailable');
        ctx.set('retry-after', '5');
        return respond(ctx, 503, 'error.unavailable');
      }
      const status = (err as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return respond(ctx, status, STATUS_KEYS[status] ?? 'error.bad_request');
      }
      log.error({ err }, 'unhandled error');
      return respond(ctx, 500, 'error.title');
    }
  };
}
