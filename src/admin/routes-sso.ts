// A1: an organization's SSO connection (F1) through the admin API, with the same shared code as
// the CLI `deadbolt sso set|show|remove` (src/sso/connection.ts). The client secret is write-only.
import type { z } from 'zod';
import type { Config } from '../config/index.ts';
import { removeSsoConnection, SsoDomainTakenError, setSsoConnection } from '../sso/connection.ts';
import { ssoOverview } from '../sso/overview.ts';
import { SsoSettingsError } from '../sso/settings.ts';
import type { Organization } from '../store/records.ts';
import { requireOrg } from './auth.ts';
import { invalid, notFound, Problem } from './problem.ts';
import { route } from './route.ts';
import { orgIdParams, ssoBody, ssoSchema } from './schemas.ts';
import { findOrgOr404 } from './views.ts';

const TAG = 'SSO';
type OrgParams = z.infer<typeof orgIdParams>;

async function ssoView(config: Config, org: Organization): Promise<z.infer<typeof ssoSchema>> {
  const o = await ssoOverview(config, org);
  if (!o.connected) throw notFound(`SSO connection of organization ${org.id}`);
  const { connected: _c, clientSecret: _s, ...rest } = o;
  return { orgId: org.id, ...rest, hasClientSecret: org.sso?.clientSecretEnc != null };
}

const actorOf = (clientId: string, ip: string) => ({
  actorUserId: null,
  actorLabel: `client:${clientId}`,
  ip,
});

export const ssoRoutes = [
  route<OrgParams, unknown, unknown>({
    method: 'get',
    path: '/organizations/{orgId}/sso',
    operationId: 'getSsoConnection',
    summary: "Read an organization's SSO connection (never the secret) and whether discovery works",
    tag: TAG,
    scope: 'admin:read',
    params: orgIdParams,
    responses: { 200: { description: 'The connection', schema: ssoSchema } },
    async handler({ services }, { caller, params }) {
      requireOrg(caller, params.orgId);
      const org = await findOrgOr404(services.sor, params.orgId);
      return { status: 200, body: await ssoView(services.config, org) };
    },
  }),
  route<OrgParams, unknown, z.infer<typeof ssoBody>>({
    method: 'put',
    path: '/organizations/{orgId}/sso',
    operationId: 'setSsoConnection',
    summary:
      'Connect an organization to an upstream OpenID provider, or replace its connection (links to a previous issuer or client are deleted)',
    tag: TAG,
    scope: 'admin:write',
    params: orgIdParams,
    body: ssoBody,
    responses: { 200: { description: 'The connection', schema: ssoSchema } },
    async handler({ services }, { caller, params, body, ctx }) {
      const { sor, config } = services;
      requireOrg(caller, params.orgId);
      const org = await findOrgOr404(sor, params.orgId);
      let linksRemoved: number;
      try {
        ({ linksRemoved } = await setSsoConnection(sor, config, org, body, actorOf(caller.clientId, ctx.ip)));
      } catch (err) {
        if (err instanceof SsoSettingsError) throw invalid(err.message);
        if (err instanceof SsoDomainTakenError) throw new Problem(409, 'conflict', err.message);
        throw err;
      }
      return {
        status: 200,
        body: await ssoView(config, await findOrgOr404(sor, org.id)),
        audit: { action: 'admin.sso.set', orgId: org.id, details: { linksRemoved } },
      };
    },
  }),
  route<OrgParams, unknown, unknown>({
    method: 'delete',
    path: '/organizations/{orgId}/sso',
    operationId: 'removeSsoConnection',
    summary: "Remove an organization's SSO connection, its enforcement and every SSO link",
    tag: TAG,
    scope: 'admin:write',
    params: orgIdParams,
    responses: { 204: { description: 'Removed' } },
    async handler({ services: { sor } }, { caller, params, ctx }) {
      requireOrg(caller, params.orgId);
      const org = await findOrgOr404(sor, params.orgId);
      if (!org.sso) throw notFound(`SSO connection of organization ${org.id}`);
      const { linksRemoved } = await removeSsoConnection(sor, org, actorOf(caller.clientId, ctx.ip));
      return {
        status: 204,
        audit: { action: 'admin.sso.removed', orgId: org.id, details: { linksRemoved } },
      };
    },
  }),
];
