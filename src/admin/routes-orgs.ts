// A1: organizations and memberships.
import type { z } from 'zod';
import {
  checkAllowedMethods,
  checkEnforcementDate,
  checkRememberDays,
  checkSmsCountry,
} from '../core/rollout-settings.ts';
import type { Services } from '../services.ts';
import type { OrgPatch } from '../store/ports.ts';
import { requireOrg, requireUnlimited } from './auth.ts';
import { invalid, notFound } from './problem.ts';
import { route } from './route.ts';
import {
  memberBody,
  memberListSchema,
  memberParams,
  memberSchema,
  organizationListSchema,
  organizationSchema,
  orgCreateBody,
  orgIdParams,
  orgPatchBody,
} from './schemas.ts';
import { accessibleUser, findOrgOr404, orgView } from './views.ts';

const TAG = 'Organizations';
type OrgParams = z.infer<typeof orgIdParams>;

/** The PATCH body as a store patch, each rollout setting checked as on the organization page. */
function orgPatchOf(services: Services, body: z.infer<typeof orgPatchBody>): OrgPatch {
  const { mfaEnforcedFrom, allowedMethods, rememberDeviceDays, smsDefaultCountry, ...rest } = body;
  const patch: OrgPatch = { ...rest };
  if (mfaEnforcedFrom !== undefined) {
    // G2: bounded by MFA_MAX_GRACE_DAYS.
    const date = mfaEnforcedFrom === null ? null : new Date(mfaEnforcedFrom);
    const refused = checkEnforcementDate(date, Date.now(), services.config.mfa.maxGraceDays);
    if (refused) throw invalid(`mfaEnforcedFrom: ${refused.key}`);
    patch.mfaEnforcedFrom = date;
  }
  if (allowedMethods !== undefined) {
    // G3: methods of the factor registry; null (or all of them) allows every method.
    const checked =
      allowedMethods === null ? { ok: true as const, value: null } : checkAllowedMethods(allowedMethods);
    if (!checked.ok) throw invalid('allowedMethods: unknown or no method');
    patch.allowedMethods = checked.value;
  }
  if (rememberDeviceDays !== undefined) {
    // G4: bounded by REMEMBER_DEVICE_MAX_DAYS; 0 turns it off.
    const refused = checkRememberDays(rememberDeviceDays, services.config.mfa.rememberDeviceMaxDays);
    if (refused) throw invalid(`rememberDeviceDays: ${refused.key}`);
    patch.rememberDeviceDays = rememberDeviceDays;
  }
  if (smsDefaultCountry !== undefined) {
    // Issue 16: a country SMS codes can be sent to (SMS_BLOCKED_COUNTRIES), or null.
    const country = checkSmsCountry(smsDefaultCountry ?? '', services.config.sms.blockedCountries);
    if (country === undefined) throw invalid('smsDefaultCountry: org.sms_country_invalid');
    patch.smsDefaultCountry = country;
  }
  return patch;
}

export const orgRoutes = [
  route({
    method: 'get',
    path: '/organizations',
    operationId: 'listOrganizations',
    summary: 'List organizations (a limited client sees its own)',
    tag: TAG,
    scope: 'admin:read',
    responses: { 200: { description: 'Organizations', schema: organizationListSchema } },
    async handler({ services }, { caller }) {
      const orgs = (await services.sor.listOrgs()).filter(
        (o) => !caller.orgIds || caller.orgIds.includes(o.id),
      );
      return { status: 200, body: { items: orgs.map(orgView) } };
    },
  }),
  route<unknown, unknown, z.infer<typeof orgCreateBody>>({
    method: 'post',
    path: '/organizations',
    operationId: 'createOrganization',
    summary: 'Create an organization',
    tag: TAG,
    scope: 'admin:write',
    body: orgCreateBody,
    responses: { 201: { description: 'Created', schema: organizationSchema } },
    async handler({ services }, { caller, body }) {
      requireUnlimited(caller);
      const org = await services.sor.createOrg(body);
      return {
        status: 201,
        body: orgView(org),
        audit: { action: 'admin.org.created', orgId: org.id, details: body },
      };
    },
  }),
  route<OrgParams, unknown, unknown>({
    method: 'get',
    path: '/organizations/{orgId}',
    operationId: 'getOrganization',
    summary: 'Read an organization',
    tag: TAG,
    scope: 'admin:read',
    params: orgIdParams,
    responses: { 200: { description: 'The organization', schema: organizationSchema } },
    async handler({ services }, { caller, params }) {
      requireOrg(caller, params.orgId);
      return { status: 200, body: orgView(await findOrgOr404(services.sor, params.orgId)) };
    },
  }),
  route<OrgParams, unknown, z.infer<typeof orgPatchBody>>({
    method: 'patch',
    path: '/organizations/{orgId}',
    operationId: 'updateOrganization',
    summary:
      'Change the name, plan, require-MFA switch, SSO enforcement or rollout settings (G2 date, G3 methods, G4 remembered devices)',
    tag: TAG,
    scope: 'admin:write',
    params: orgIdParams,
    body: orgPatchBody,
    responses: { 200: { description: 'The updated organization', schema: organizationSchema } },
    async handler({ services }, { caller, params, body }) {
      requireOrg(caller, params.orgId);
      const patch = orgPatchOf(services, body);
      const org = await services.sor.updateOrg(params.orgId, patch);
      if (!org) throw notFound(`organization ${params.orgId}`);
      return {
        status: 200,
        body: orgView(org),
        audit: { action: 'admin.org.updated', orgId: org.id, details: body },
      };
    },
  }),
  route<OrgParams, unknown, unknown>({
    method: 'delete',
    path: '/organizations/{orgId}',
    operationId: 'deleteOrganization',
    summary: 'Delete an organization (its memberships go with it)',
    tag: TAG,
    scope: 'admin:write',
    params: orgIdParams,
    responses: { 204: { description: 'Deleted' } },
    async handler({ services }, { caller, params }) {
      requireOrg(caller, params.orgId);
      if (!(await services.sor.deleteOrg(params.orgId))) throw notFound(`organization ${params.orgId}`);
      return { status: 204, audit: { action: 'admin.org.deleted', orgId: params.orgId } };
    },
  }),
  route<OrgParams, unknown, unknown>({
    method: 'get',
    path: '/organizations/{orgId}/members',
    operationId: 'listMembers',
    summary: "List an organization's members",
    tag: TAG,
    scope: 'admin:read',
    params: orgIdParams,
    responses: { 200: { description: 'Members', schema: memberListSchema } },
    async handler({ services }, { caller, params }) {
      requireOrg(caller, params.orgId);
      await findOrgOr404(services.sor, params.orgId);
      const members = await services.sor.listMembersOfOrg(params.orgId);
      const items = members.map((m) => ({
        userId: m.userId,
        orgId: m.orgId,
        role: m.role,
        email: m.user.email,
      }));
      return { status: 200, body: { items } };
    },
  }),
  route<z.infer<typeof memberParams>, unknown, z.infer<typeof memberBody>>({
    method: 'put',
    path: '/organizations/{orgId}/members/{userId}',
    operationId: 'setMembership',
    summary: 'Add a member or change their role',
    tag: TAG,
    scope: 'admin:write',
    params: memberParams,
    body: memberBody,
    responses: { 200: { description: 'The membership', schema: memberSchema } },
    async handler({ services }, { caller, params, body }) {
      const { sor } = services;
      requireOrg(caller, params.orgId);
      await findOrgOr404(sor, params.orgId);
      if (!(await sor.findUserById(params.userId))) throw notFound(`user ${params.userId}`);
      await sor.setMembership(params.userId, params.orgId, body.role);
      return {
        status: 200,
        body: { ...params, role: body.role },
        audit: { action: 'admin.member.set', ...params, details: { role: body.role } },
      };
    },
  }),
  route<z.infer<typeof memberParams>, unknown, unknown>({
    method: 'delete',
    path: '/organizations/{orgId}/members/{userId}',
    operationId: 'removeMembership',
    summary: 'Remove a member',
    tag: TAG,
    scope: 'admin:write',
    params: memberParams,
    responses: { 204: { description: 'Removed' } },
    async handler({ services }, { caller, params }) {
      requireOrg(caller, params.orgId);
      await accessibleUser(services.sor, caller, params.userId);
      if (!(await services.sor.removeMembership(params.userId, params.orgId))) throw notFound('membership');
      return { status: 204, audit: { action: 'admin.member.removed', ...params } };
    },
  }),
];
