// A1, U2: invitations through the admin API — the same service as the organization page
// (src/invitations/service.ts), so the mail, the link, its expiry and the audit are the page's.
// The API client acts for the organization (like its owner), so it may invite with any role.
import type { z } from 'zod';
import type { AuditWho } from '../audit.ts';
import { createInvitations, isOpen } from '../invitations/service.ts';
import type { Services } from '../services.ts';
import type { Invitation } from '../store/records.ts';
import type { AdminCaller } from './auth.ts';
import { requireOrg } from './auth.ts';
import { notFound, Problem } from './problem.ts';
import { route } from './route.ts';
import {
  invitationBody,
  invitationListSchema,
  invitationParams,
  invitationResendBody,
  invitationSentSchema,
  orgIdParams,
} from './schemas.ts';
import { findOrgOr404 } from './views.ts';

const TAG = 'Invitations';
type OrgParams = z.infer<typeof orgIdParams>;
type InvitationParams = z.infer<typeof invitationParams>;
type Sent = Awaited<ReturnType<ReturnType<typeof createInvitations>['invite']>>;

const invitationsOf = ({ sor, mail, config }: Services) =>
  createInvitations({ sor, mail, issuer: config.issuer, ttlSeconds: config.mail.invitationTtlSeconds });

const actorOf = (caller: AdminCaller, ip: string): AuditWho => ({
  actorUserId: null,
  actorLabel: `client:${caller.clientId}`,
  ip,
});

const invitationView = (i: Invitation) => ({
  id: i.id,
  orgId: i.orgId,
  email: i.email,
  role: i.role,
  invitedBy: i.invitedBy,
  createdAt: i.createdAt.toISOString(),
  expiresAt: i.expiresAt.toISOString(),
  expired: !isOpen(i),
});

const sentView = ({ invitation, mail }: Sent) => ({
  ...invitationView(invitation),
  mailSent: mail.sent,
  mailError: mail.sent ? null : mail.reason,
});

/** The invitation of this organization, open or expired (404 when unknown, 409 when closed). */
async function openInvitation(services: Services, caller: AdminCaller, p: InvitationParams) {
  requireOrg(caller, p.orgId);
  await findOrgOr404(services.sor, p.orgId);
  const i = await services.sor.findInvitation(p.orgId, p.invitationId);
  if (!i) throw notFound(`invitation ${p.invitationId}`);
  if (i.acceptedAt || i.revokedAt)
    throw new Problem(
      409,
      'conflict',
      `invitation ${i.id} was already ${i.acceptedAt ? 'accepted' : 'revoked'}`,
    );
  return i;
}

export const invitationRoutes = [
  route<OrgParams, unknown, z.infer<typeof invitationBody>>({
    method: 'post',
    path: '/organizations/{orgId}/invitations',
    operationId: 'createInvitation',
    summary: 'Invite someone by e-mail to join an organization with a role (U2)',
    description:
      'Mails a single-use link that expires after INVITATION_TTL_SECONDS, exactly as the organization page does. ' +
      'An API client acts for the organization, so it may invite with any role, owner included ' +
      '(on the page an admin may invite members only). `mailSent` false: the invitation exists but ' +
      'the mail did not go out (`mailError`); re-send it.',
    tag: TAG,
    scope: 'admin:write',
    params: orgIdParams,
    body: invitationBody,
    responses: { 201: { description: 'Invited', schema: invitationSentSchema } },
    async handler({ services }, { caller, params, body, ctx }) {
      requireOrg(caller, params.orgId);
      const org = await findOrgOr404(services.sor, params.orgId);
      const email = body.email.trim().toLowerCase();
      const sent = await invitationsOf(services).invite(
        org,
        { email, role: body.role, invitedBy: null },
        actorOf(caller, ctx.ip),
        body.locale,
      );
      return {
        status: 201,
        body: sentView(sent),
        audit: {
          action: 'admin.invitation.created',
          orgId: org.id,
          details: { invitationId: sent.invitation.id, role: body.role, mailSent: sent.mail.sent },
        },
      };
    },
  }),
  route<OrgParams, unknown, unknown>({
    method: 'get',
    path: '/organizations/{orgId}/invitations',
    operationId: 'listInvitations',
    summary: 'List the open invitations of an organization, newest first (expired ones included)',
    tag: TAG,
    scope: 'admin:read',
    params: orgIdParams,
    responses: { 200: { description: 'Open invitations', schema: invitationListSchema } },
    async handler({ services: { sor } }, { caller, params }) {
      requireOrg(caller, params.orgId);
      await findOrgOr404(sor, params.orgId);
      const items = (await sor.listOpenInvitations(params.orgId)).map(invitationView);
      return { status: 200, body: { items } };
    },
  }),
  route<InvitationParams, unknown, unknown>({
    method: 'delete',
    path: '/organizations/{orgId}/invitations/{invitationId}',
    operationId: 'revokeInvitation',
    summary: 'Revoke an invitation: its link stops working',
    tag: TAG,
    scope: 'admin:write',
    params: invitationParams,
    responses: { 204: { description: 'Revoked' } },
    async handler({ services }, { caller, params, ctx }) {
      const i = await openInvitation(services, caller, params);
      if (!(await invitationsOf(services).revoke(i, actorOf(caller, ctx.ip))))
        throw new Problem(409, 'conflict', `invitation ${i.id} was closed meanwhile`);
      return {
        status: 204,
        audit: { action: 'admin.invitation.revoked', orgId: i.orgId, details: { invitationId: i.id } },
      };
    },
  }),
  route<InvitationParams, unknown, z.infer<typeof invitationResendBody>>({
    method: 'post',
    path: '/organizations/{orgId}/invitations/{invitationId}/resend',
    operationId: 'resendInvitation',
    summary: 'Mail a new link with a new expiry; the previous link stops working',
    tag: TAG,
    scope: 'admin:write',
    params: invitationParams,
    body: invitationResendBody,
    responses: { 200: { description: 'Re-sent', schema: invitationSentSchema } },
    async handler({ services }, { caller, params, body, ctx }) {
      const i = await openInvitation(services, caller, params);
      const sent = await invitationsOf(services).resend(i, actorOf(caller, ctx.ip), body.locale);
      if (!sent) throw new Problem(409, 'conflict', `invitation ${i.id} was closed meanwhile`);
      return {
        status: 200,
        body: sentView(sent),
        audit: {
          action: 'admin.invitation.resent',
          orgId: i.orgId,
          details: { invitationId: i.id, mailSent: sent.mail.sent },
        },
      };
    },
  }),
];
