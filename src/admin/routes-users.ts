// A1: users and their factors. The reset is R2's support reset with a reason: every factor goes,
// and every session, grant and token of the user ends (V3, createSessionEnder().endEverything).
import type { z } from 'zod';
import { audit } from '../audit.ts';
import { hashPassword } from '../crypto/password.ts';
import { createAttemptGuard } from '../mfa/attempts.ts';
import { requireOrg } from './auth.ts';
import { invalid, notFound } from './problem.ts';
import { route } from './route.ts';
import {
  factorListSchema,
  resetBody,
  resetResultSchema,
  userCreateBody,
  userIdParams,
  userListSchema,
  userPatchBody,
  userSchema,
} from './schemas.ts';
import { accessibleUser, factorView, findOrgOr404, userView } from './views.ts';

const TAG = 'Users';
type UserParams = z.infer<typeof userIdParams>;

export const userRoutes = [
  route({
    method: 'get',
    path: '/users',
    operationId: 'listUsers',
    summary: 'List users (a limited client sees members of its organizations)',
    tag: TAG,
    scope: 'admin:read',
    responses: { 200: { description: 'Users', schema: userListSchema } },
    async handler({ services: { sor } }, { caller }) {
      const items = await Promise.all((await sor.listUsers()).map((u) => userView(sor, u)));
      const visible = items.filter(
        (u) => !caller.orgIds || u.memberships.some((m) => caller.orgIds?.includes(m.orgId)),
      );
      return { status: 200, body: { items: visible } };
    },
  }),
  route<unknown, unknown, z.infer<typeof userCreateBody>>({
    method: 'post',
    path: '/users',
    operationId: 'createUser',
    summary: 'Create a user with a password (optionally as a member of an organization)',
    tag: TAG,
    scope: 'admin:write',
    body: userCreateBody,
    responses: { 201: { description: 'Created', schema: userSchema } },
    async handler({ services: { sor } }, { caller, body }) {
      if (caller.orgIds && !body.orgId)
        throw invalid('orgId is required for a client limited to organizations');
      if (body.orgId) {
        requireOrg(caller, body.orgId);
        await findOrgOr404(sor, body.orgId);
      }
      const passwordHash = await hashPassword(body.password);
      const user = await sor.transaction(async (tx) => {
        const u = await tx.createUser({ email: body.email, passwordHash, emailVerified: body.emailVerified });
        if (body.orgId) await tx.setMembership(u.id, body.orgId, body.role);
        return u;
      });
      return {
        status: 201,
        body: await userView(sor, user),
        audit: { action: 'admin.user.created', userId: user.id, orgId: body.orgId ?? null },
      };
    },
  }),
  route<UserParams, unknown, unknown>({
    method: 'get',
    path: '/users/{userId}',
    operationId: 'getUser',
    summary: 'Read a user',
    tag: TAG,
    scope: 'admin:read',
    params: userIdParams,
    responses: { 200: { description: 'The user', schema: userSchema } },
    async handler({ services: { sor } }, { caller, params }) {
      return { status: 200, body: await userView(sor, await accessibleUser(sor, caller, params.userId)) };
    },
  }),
  route<UserParams, unknown, z.infer<typeof userPatchBody>>({
    method: 'patch',
    path: '/users/{userId}',
    operationId: 'updateUser',
    summary: "Change a user's e-mail or password",
    tag: TAG,
    scope: 'admin:write',
    params: userIdParams,
    body: userPatchBody,
    responses: { 200: { description: 'The updated user', schema: userSchema } },
    async handler({ services: { sor } }, { caller, params, body }) {
      await accessibleUser(sor, caller, params.userId);
      if (body.email) await sor.setEmail(params.userId, body.email);
      if (body.password) await sor.setPasswordHash(params.userId, await hashPassword(body.password));
      const user = await sor.findUserById(params.userId);
      if (!user) throw notFound(`user ${params.userId}`);
      const changed = Object.keys(body);
      return {
        status: 200,
        body: await userView(sor, user),
        audit: { action: 'admin.user.updated', userId: user.id, details: { changed } },
      };
    },
  }),
  route<UserParams, unknown, unknown>({
    method: 'delete',
    path: '/users/{userId}',
    operationId: 'deleteUser',
    summary: 'Delete a user (their sessions and tokens end first)',
    tag: TAG,
    scope: 'admin:write',
    params: userIdParams,
    responses: { 204: { description: 'Deleted' } },
    async handler({ services: { sor }, mfa }, { caller, params }) {
      await accessibleUser(sor, caller, params.userId);
      await mfa.sessions.endEverything(params.userId);
      await sor.deleteUser(params.userId);
      return { status: 204, audit: { action: 'admin.user.deleted', userId: params.userId } };
    },
  }),
  route<UserParams, unknown, unknown>({
    method: 'get',
    path: '/users/{userId}/factors',
    operationId: 'listFactors',
    summary: "List a user's factors (type, created, last used, locked; never a secret)",
    tag: TAG,
    scope: 'admin:read',
    params: userIdParams,
    responses: { 200: { description: 'Factors', schema: factorListSchema } },
    async handler({ services: { sor } }, { caller, params }) {
      await accessibleUser(sor, caller, params.userId);
      return { status: 200, body: { items: (await sor.listFactors(params.userId)).map(factorView) } };
    },
  }),
  route<UserParams, unknown, z.infer<typeof resetBody>>({
    method: 'post',
    path: '/users/{userId}/factors/reset',
    operationId: 'resetMfa',
    summary: "Reset a user's MFA (R2): remove every factor, end every session and grant",
    tag: TAG,
    scope: 'admin:mfa-reset',
    params: userIdParams,
    body: resetBody,
    responses: { 200: { description: 'Reset', schema: resetResultSchema } },
    async handler({ services, mfa }, { caller, params, body, ctx }) {
      const { sor } = services;
      await accessibleUser(sor, caller, params.userId);
      const removed = await sor.transaction(async (tx) => {
        const n = await tx.deleteFactorsOfUser(params.userId);
        const who = { actorUserId: null, actorLabel: `client:${caller.clientId}`, ip: ctx.ip };
        await audit(
          tx,
          who,
          'mfa.reset',
          { userId: params.userId },
          { reason: body.reason, removed: n, via: 'admin-api' },
        );
        return n;
      });
      const ended = await mfa.sessions.endEverything(params.userId); // V3
      await createAttemptGuard(services).succeed(params.userId); // lifts the lockout that led here
      return {
        status: 200,
        body: { userId: params.userId, removedFactors: removed, sessionsEnded: ended.sessionsEnded },
        audit: { action: 'admin.mfa.reset', userId: params.userId, details: { reason: body.reason } },
      };
    },
  }),
];
