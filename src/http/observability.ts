// Request ids + structured access logs (pino) and Prometheus metrics (X5).
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { createFleetMetrics } from '../ops/metrics.ts';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Low-cardinality route label: the first path segment, with ids cut off. */
export function routeLabel(path: string): string {
  const first = path.split('/')[1] ?? '';
  const known = [
    'interaction',
    'account',
    'demo',
    'healthz',
    'metrics',
    'static',
    'auth',
    'token',
    'me',
    'jwks',
    'session',
    'token',
    '.well-known',
    'request',
    'reg',
  ];
  return known.includes(first) ? `/${first}` : first ? '/other' : '/';
}

export function createMetrics() {
  const registry = new Registry();
  // Process metrics, among them the event-loop lag (nodejs_eventloop_lag_seconds, Z5).
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'deadbolt_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'deadbolt_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { registry, requests, duration, ...createFleetMetrics(registry) };
}
export type Metrics = ReturnType<typeof createMetrics>;

export function observe(logger: Logger, metrics: Metrics) {
  return async (ctx: Context, next: Next) => {
    const incoming = ctx.get('x-request-id');
    const id = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.set('x-request-id', id);
    ctx.state.log = logger.child({ reqId: id });
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeLabel(ctx.path);
      metrics.requests.inc({ method: ctx.method, route, status: String(ctx.status) });
      metrics.duration.observe({ method: ctx.method, route }, seconds);
      // Path only: query strings can carry codes and state.
      ctx.state.log?.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(seconds * 1000) },
        'request',
      );
    }
  };
}
