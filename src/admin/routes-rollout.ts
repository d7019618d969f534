// G1: the enforcement preview in the admin API — the same dry run as the organization page.
import { z } from 'zod';
import { previewOrg } from '../core/preview.ts';
import { requireOrg } from './auth.ts';
import { route } from './route.ts';
import { orgIdParams } from './schemas.ts';
import { findOrgOr404 } from './views.ts';

const previewQuery = z.strictObject({
  requireMfa: z.enum(['true', 'false']).optional(),
  plan: z.enum(['free', 'paid']).optional(),
});

const previewRowSchema = z.object({
  userId: z.string(),
  email: z.string(),
  role: z.string(),
  outcome: z.string(),
  reason: z.string(),
  orgId: z.string().nullable(),
  graceUntil: z.string().nullable(),
});

export const rolloutRoutes = [
  route<z.infer<typeof orgIdParams>, z.infer<typeof previewQuery>, unknown>({
    method: 'get',
    path: '/organizations/{orgId}/enforcement-preview',
    operationId: 'previewEnforcement',
    summary:
      'What each member would be asked at sign-in with the require-MFA switch and/or plan changed (G1)',
    tag: 'Organizations',
    scope: 'admin:read',
    params: orgIdParams,
    query: previewQuery,
    responses: {
      200: { description: 'One row a member', schema: z.object({ items: z.array(previewRowSchema) }) },
    },
    async handler({ services, mfa }, { caller, params, query }) {
      requireOrg(caller, params.orgId);
      const org = await findOrgOr404(services.sor, params.orgId);
      const rows = await previewOrg({ decisions: mfa.decisions, load: mfa.load, sor: services.sor }, org, {
        ...(query.requireMfa ? { requireMfaForAllUsers: query.requireMfa === 'true' } : {}),
        ...(query.plan ? { plan: query.plan } : {}),
      });
      const items = rows.map((r) => ({ ...r, graceUntil: r.graceUntil?.toISOString() ?? null }));
      return { status: 200, body: { items } };
    },
  }),
];
