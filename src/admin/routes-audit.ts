// A1: the audit log, filtered by organization, user, action and time, newest first, cursor-paged.
import type { z } from 'zod';
import { requireOrg } from './auth.ts';
import { invalid } from './problem.ts';
import { route } from './route.ts';
import { auditPageSchema, auditQuery } from './schemas.ts';
import { auditView } from './views.ts';

/** The cursor: base64url of `seq:<seq>` of the last event of the previous page (opaque to callers). */
function decodeCursor(cursor: string): string {
  const m = /^seq:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw invalid('cursor: not a cursor of this API');
  return m[1];
}

export const auditRoutes = [
  route<unknown, z.infer<typeof auditQuery>, unknown>({
    method: 'get',
    path: '/audit-events',
    operationId: 'listAuditEvents',
    summary: 'Audit events, newest first (a limited client must name one of its organizations)',
    tag: 'Audit',
    scope: 'admin:read',
    query: auditQuery,
    responses: { 200: { description: 'A page of events', schema: auditPageSchema } },
    async handler({ services }, { caller, query }) {
      if (caller.orgIds) {
        if (!query.orgId) throw invalid('orgId is required for a client limited to organizations');
        requireOrg(caller, query.orgId);
      }
      const events = await services.sor.searchAudit({
        orgId: query.orgId,
        userId: query.userId,
        action: query.action,
        since: query.since ? new Date(query.since) : undefined,
        until: query.until ? new Date(query.until) : undefined,
        before: query.cursor ? decodeCursor(query.cursor) : undefined,
        limit: query.limit + 1,
      });
      const page = events.slice(0, query.limit);
      const last = page.at(-1);
      const nextCursor =
        events.length > query.limit && last ? Buffer.from(`seq:${last.seq}`).toString('base64url') : null;
      return { status: 200, body: { items: page.map(auditView), nextCursor } };
    },
  }),
];
