// A1: one route table drives both the router (src/admin/router.ts) and the OpenAPI document
// (src/admin/openapi.ts), so the document cannot drift from what is served.
import type { Context } from 'koa';
import type { z } from 'zod';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import type { AdminCaller, AdminScope } from './auth.ts';

export interface AdminDeps {
  services: Services;
  mfa: MfaService;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  caller: AdminCaller;
  ctx: Context;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  /** What the call changed (A1: audited with the client as actor); reads are audited as admin.read. */
  audit?: {
    action: string;
    orgId?: string | null;
    userId?: string | null;
    details?: Record<string, unknown>;
  };
}

export interface AdminRoute<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** OpenAPI style, e.g. `/organizations/{orgId}`. */
  path: string;
  operationId: string;
  summary: string;
  /** Longer prose for the OpenAPI document (rules a caller must know). */
  description?: string;
  tag: string;
  scope: AdminScope;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Status → description and schema (none: no body). Problems (4xx/5xx) are added for every route. */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler(deps: AdminDeps, input: RouteInput<P, Q, B>): Promise<RouteResult>;
}

/** Keeps the route's generic types while collecting heterogeneous routes in one list. */
export function route<P, Q, B>(r: AdminRoute<P, Q, B>): AdminRoute {
  return r as unknown as AdminRoute;
}
