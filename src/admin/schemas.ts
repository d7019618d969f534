// A1: the admin API's named response schemas (components of the OpenAPI document) and the request
// bodies. Responses carry ISO 8601 strings for times; no schema has a secret except the one-time
// `client_secret` of a client create or rotate.
import { z } from 'zod';
import { FACTOR_TYPES } from '../store/records.ts';
import { problemSchema } from './problem.ts';

/** Named schemas: `components.schemas` of the OpenAPI document. */
export const components = z.registry<{ id: string }>();
const named = <T extends z.ZodType>(id: string, s: T): T => {
  components.add(s, { id });
  return s;
};
named('Problem', problemSchema);

const time = z.string().meta({ format: 'date-time' });
const plan = z.enum(['free', 'paid']);
const role = z.enum(['owner', 'admin', 'member']);
export const uuidParam = z.uuid();

export const organizationSchema = named(
  'Organization',
  z.object({
    id: z.string(),
    name: z.string(),
    plan,
    requireMfaForAllUsers: z.boolean(),
    ssoEnforced: z.boolean(),
    mfaEnforcedFrom: z.string().nullable(),
    allowedMethods: z.array(z.string()).nullable(),
    rememberDeviceDays: z.number().int(),
    smsDefaultCountry: z.string().nullable(),
    createdAt: time,
  }),
);
export const organizationListSchema = named(
  'OrganizationList',
  z.object({ items: z.array(organizationSchema) }),
);

export const userSchema = named(
  'User',
  z.object({
    id: z.string(),
    email: z.string(),
    emailVerified: z.boolean(),
    createdAt: time,
    memberships: z.array(z.object({ orgId: z.string(), role })),
  }),
);
export const userListSchema = named('UserList', z.object({ items: z.array(userSchema) }));

export const memberSchema = named('Membership', z.object({ userId: z.string(), orgId: z.string(), role }));
export const memberListSchema = named(
  'MembershipList',
  z.object({ items: z.array(memberSchema.extend({ email: z.string() })) }),
);

export const factorSchema = named(
  'Factor',
  z.object({
    id: z.string(),
    type: z.enum(FACTOR_TYPES),
    createdAt: time,
    lastUsedAt: time.nullable(),
    locked: z.boolean(),
  }),
);
export const factorListSchema = named('FactorList', z.object({ items: z.array(factorSchema) }));
export const resetResultSchema = named(
  'MfaResetResult',
  z.object({
    userId: z.string(),
    removedFactors: z.number().int(),
    sessionsEnded: z.number().int().nullable(),
  }),
);

export const clientSchemaOut = named(
  'Client',
  z
    .object({
      client_id: z.string(),
      client_name: z.string().optional(),
      redirect_uris: z.array(z.string()),
      grant_types: z.array(z.string()),
      token_endpoint_auth_method: z.string().optional(),
      scope: z.string().optional(),
      admin_org_ids: z.array(z.string()).optional(),
      first_party: z.boolean(),
      has_secret: z.boolean(),
      built_in: z.boolean(),
      /** Only in the answer to create and rotate: shown once. */
      client_secret: z.string().optional(),
    })
    .loose(),
);
export const clientListSchema = named('ClientList', z.object({ items: z.array(clientSchemaOut) }));

/** The secret is write-only: `hasClientSecret` says whether one is stored (sealed). */
export const ssoSchema = named(
  'SsoConnection',
  z.object({
    orgId: z.string(),
    issuer: z.string(),
    clientId: z.string(),
    hasClientSecret: z.boolean(),
    scopes: z.string(),
    domains: z.array(z.string()),
    enforced: z.boolean(),
    trustUpstreamMfaOnly: z.boolean(),
    jitProvisioning: z.boolean(),
    /** Register this redirect URI with the upstream provider. */
    redirectUri: z.string(),
    /** Whether upstream discovery works now (F1), with the reason when it does not. */
    status: z.enum(['ok', 'broken']),
    reason: z.string().nullable(),
    checkedAt: time,
  }),
);

export const auditEventSchema = named(
  'AuditEvent',
  z.object({
    id: z.string(),
    at: time,
    action: z.string(),
    actorUserId: z.string().nullable(),
    actorLabel: z.string().nullable(),
    targetUserId: z.string().nullable(),
    orgId: z.string().nullable(),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  }),
);
export const auditPageSchema = named(
  'AuditPage',
  z.object({ items: z.array(auditEventSchema), nextCursor: z.string().nullable() }),
);

/** U2: an open invitation (the link's token is never stored, so never shown). */
export const invitationSchema = named(
  'Invitation',
  z.object({
    id: z.string(),
    orgId: z.string(),
    email: z.string(),
    role,
    invitedBy: z.string().nullable(),
    createdAt: time,
    expiresAt: time,
    /** Past expiresAt: the link no longer works (re-send it for a new one). */
    expired: z.boolean(),
  }),
);
export const invitationListSchema = named('InvitationList', z.object({ items: z.array(invitationSchema) }));
/** The answer to an invite or re-send: whether the mail went out (else `mailError` says why). */
export const invitationSentSchema = named(
  'InvitationSent',
  invitationSchema.extend({
    mailSent: z.boolean(),
    mailError: z.enum(['rate_limited', 'failed']).nullable(),
  }),
);

// --- request bodies and parameters ---------------------------------------------------------

export const orgIdParams = z.object({ orgId: uuidParam });
export const userIdParams = z.object({ userId: uuidParam });
export const memberParams = z.object({ orgId: uuidParam, userId: uuidParam });
export const invitationParams = z.object({ orgId: uuidParam, invitationId: uuidParam });
export const clientIdParams = z.object({ clientId: z.string().min(1).max(128) });

export const orgCreateBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  plan: plan.default('free'),
  requireMfaForAllUsers: z.boolean().optional(),
});
export const orgPatchBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  plan: plan.optional(),
  requireMfaForAllUsers: z.boolean().optional(),
  ssoEnforced: z.boolean().optional(),
  /** G2: the enforcement date (grace period); null clears it. Bounded by MFA_MAX_GRACE_DAYS. */
  mfaEnforcedFrom: z.iso.datetime({ offset: true }).nullable().optional(),
  /** G3: the methods that satisfy MFA for the members; null: every method. */
  allowedMethods: z.array(z.string().max(32)).min(1).max(16).nullable().optional(),
  /** G4: days a member's device may be remembered after MFA (0: never). Bounded by REMEMBER_DEVICE_MAX_DAYS. */
  rememberDeviceDays: z.number().int().min(0).max(365).optional(),
  /** Issue 16: the country members' phone numbers start with (ISO 3166 alpha-2); null: the browser's. */
  smsDefaultCountry: z.string().length(2).nullable().optional(),
});
const password = z.string().min(12).max(1024);
export const userCreateBody = z.strictObject({
  email: z.email().max(320),
  password,
  /** A client limited to organizations must name one: the user is created as its member. */
  orgId: uuidParam.optional(),
  role: role.default('member'),
  /** U5: the address is already verified (else the user is unverified until a link proves it). */
  emailVerified: z.boolean().default(false),
});
export const userPatchBody = z.strictObject({
  email: z.email().max(320).optional(),
  password: password.optional(),
});
export const memberBody = z.strictObject({ role });
export const resetBody = z.strictObject({ reason: z.string().trim().min(3).max(500) });
export const ssoBody = z.strictObject({
  issuer: z.string(),
  clientId: z.string(),
  /** Absent: keep the stored secret; null: a public client (PKCE only). */
  clientSecret: z.string().nullable().optional(),
  scopes: z.string().optional(),
  domains: z.array(z.string()).min(1),
  enforced: z.boolean().default(false),
  trustUpstreamMfaOnly: z.boolean().optional(),
  jitProvisioning: z.boolean().optional(),
});
export const auditQuery = z.strictObject({
  orgId: uuidParam.optional(),
  userId: uuidParam.optional(),
  action: z.string().max(100).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const invitationBody = z.strictObject({
  email: z.email().max(254),
  role: role.default('member'),
  /** The language of the mail. */
  locale: z.enum(['en', 'ja']).default('en'),
});
export const invitationResendBody = invitationBody.pick({ locale: true });
