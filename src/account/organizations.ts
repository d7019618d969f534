// /account/organizations/:id (M5, R1, R3): members with their roles and MFA status; for an owner
// the require-MFA switch (locked on for a paid plan) and the audit log; for owners and admins,
// resetting a member's MFA.

import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { audit } from '../audit.ts';
import { forbidden, HttpError } from '../http/errors.ts';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import { isMethod } from '../mfa/registry.ts';
import type { MfaService } from '../mfa/service.ts';
import { countryOptions, localeOf } from '../mfa/sms/pages/common.ts';
import { isUserId } from '../oidc/account.ts';
import type { Services } from '../services.ts';
import { ssoOverview } from '../sso/overview.ts';
import type { MembershipWithOrg, MembershipWithUser, Organization, Role } from '../store/records.ts';
import { accountMiddleware } from './middleware.ts';
import { auditSection, exportAudit } from './org-audit.ts';
import { orgConfirmRoutes } from './org-confirm.ts';
import { type OrgMember, orgMember } from './org-member.ts';
import { orgRolloutSettingsRoutes, rolloutSection } from './org-rollout-settings.ts';
import type { AccountSession } from './session.ts';

/** One membership, as the reset rule needs it. */
export interface OrgRole {
  orgId: string;
  role: Role;
}

export type ResetDecision =
  | { allowed: true }
  | {
      allowed: false;
      reason: 'not_member' | 'self' | 'role' | 'other_org';
      /** For `other_org`: where the target is owner or admin and the actor is not owner (V5). */
      orgIds: string[];
    };

/**
 * R1, V5: may the actor reset the target's MFA from organization `orgId`? Pure: both people's
 * memberships across all organizations in, the decision out (the page's button and the route ask
 * the same). Factors belong to the person, so a reset from one organization must not strip an
 * owner or admin of another organization the actor does not own.
 */
export function mayReset(
  orgId: string,
  actor: { userId: string; memberships: OrgRole[] },
  target: { userId: string; memberships: OrgRole[] },
): ResetDecision {
  const refuse = (reason: 'not_member' | 'self' | 'role', orgIds: string[] = []): ResetDecision => ({
    allowed: false,
    reason,
    orgIds,
  });
  const actorRole = actor.memberships.find((m) => m.orgId === orgId)?.role;
  const targetRole = target.memberships.find((m) => m.orgId === orgId)?.role;
  if (!actorRole || !targetRole) return refuse('not_member'); // R1: only within their own organizations
  if (actor.userId === target.userId) return refuse('self'); // nobody resets themselves this way
  if (actorRole === 'member') return refuse('role');
  if (actorRole === 'admin' && targetRole !== 'member') return refuse('role'); // an admin resets members only
  const owned = new Set(actor.memberships.filter((m) => m.role === 'owner').map((m) => m.orgId));
  const elsewhere = target.memberships
    .filter((m) => m.orgId !== orgId && m.role !== 'member' && !owned.has(m.orgId))
    .map((m) => m.orgId);
  if (elsewhere.length > 0) return { allowed: false, reason: 'other_org', orgIds: elsewhere };
  return { allowed: true };
}

const orgNames = (memberships: MembershipWithOrg[], orgIds: string[]) =>
  memberships
    .filter((m) => orgIds.includes(m.orgId))
    .map((m) => m.org.name)
    .join(', ');

interface OrgDeps {
  services: Services;
  mfa: MfaService;
}

interface Flash {
  error?: string;
  notice?: string;
}

/** The members' rows: role, methods, and whether (or why not) this actor may reset them (V5). */
async function memberRows(ctx: Context, { services, mfa }: OrgDeps, s: AccountSession, orgId: string) {
  const t = ctx.state.t;
  const members = await services.sor.listMembersOfOrg(orgId);
  // Each member's factors and memberships across all organizations (V5).
  const states = await Promise.all(members.map((m) => mfa.load(m.userId)));
  const actor = { userId: s.state.user.id, memberships: s.state.memberships };
  const rows = members.map((m: MembershipWithUser, i) => {
    const memberships = states[i]?.memberships ?? [];
    const decision = mayReset(orgId, actor, { userId: m.userId, memberships });
    return {
      userId: m.userId,
      email: m.user.email,
      role: m.role,
      methods: states[i]?.enrolled.filter(isMethod) ?? [],
      canReset: decision.allowed,
      // V5, X7: why there is no reset button, and who can.
      resetNote:
        !decision.allowed && decision.reason === 'other_org'
          ? t('org.reset_elsewhere_short', { orgs: orgNames(memberships, decision.orgIds) })
          : null,
    };
  });
  return { members, rows };
}

/** The owner's sections: A5's audit log, F1's SSO connection, G2–G4's rollout settings. */
async function ownerSections(
  ctx: Context,
  { config, sor }: Services,
  org: Organization,
  members: MembershipWithUser[],
  withoutMfa: number,
) {
  return {
    // A5: the readable audit log, with its filters, pages and exports.
    audit: await auditSection(ctx, sor, org.id, members),
    // F1: the owner sees the SSO connection and whether it works.
    sso: await ssoOverview(config, org),
    // G2, G3, G4: the enforcement date with its countdown, the allowed methods, remembered devices.
    rollout: rolloutSection(
      org,
      withoutMfa,
      config.mfa,
      countryOptions(localeOf(ctx), config.sms.blockedCountries),
    ),
  };
}

async function page(
  ctx: Context,
  deps: OrgDeps,
  c: { s: AccountSession; orgId: string; role: Role },
  flash: Flash = {},
  status = 200,
) {
  const { s, orgId, role } = c;
  const t = ctx.state.t;
  const org = (await deps.services.sor.findOrgById(orgId))!;
  const { members, rows } = await memberRows(ctx, deps, s, orgId);
  const withoutMfa = rows.filter((r) => r.methods.length === 0).length;
  const owner =
    role === 'owner'
      ? await ownerSections(ctx, deps.services, org, members, withoutMfa)
      : { audit: null, sso: null, rollout: null };
  await renderPage(
    ctx,
    'account-org',
    {
      title: org.name,
      wide: true,
      org,
      role,
      csrf: s.csrf,
      rows,
      withoutMfa,
      ...owner,
      error: flash.error ?? null,
      notice: flash.notice ?? null,
      roleName: (r: Role) => t(`role.${r}`),
    },
    status,
  );
}

const pageOf = (c: OrgMember) => ({ s: c.s, orgId: c.org.id, role: c.role });
const whoActs = (ctx: Context, c: OrgMember) => ({
  actorUserId: c.s.state.user.id,
  ip: ctx.ip,
  userAgent: ctx.get('user-agent'),
});

/** M5: the owner's switch; always on (and locked) for a paid organization. */
async function requireMfa(ctx: Context, deps: OrgDeps) {
  const { sor } = deps.services;
  const c = orgMember(ctx);
  const t = ctx.state.t;
  const form = readForm(ctx, { value: { maxLength: 3 } });
  if (c.role !== 'owner') throw forbidden();
  if (form.value !== 'on' && form.value !== 'off') throw forbidden();
  if (c.org.plan === 'paid' && form.value === 'off') {
    return page(ctx, deps, pageOf(c), { error: t('org.paid_locked') }, 409);
  }
  const on = form.value === 'on';
  if (c.org.requireMfaForAllUsers !== on) {
    await sor.transaction(async (tx) => {
      await tx.updateOrg(c.org.id, { requireMfaForAllUsers: on });
      await audit(
        tx,
        whoActs(ctx, c),
        'org.policy_changed',
        { orgId: c.org.id },
        { requireMfaForAllUsers: on },
      );
    });
  }
  await page(ctx, deps, pageOf(c), { notice: t(on ? 'org.switched_on' : 'org.switched_off') });
}

/** R1: reset a member's MFA — every factor and backup code goes, their sessions end. */
async function resetMember(ctx: Context, deps: OrgDeps) {
  const { sor } = deps.services;
  const c = orgMember(ctx);
  const form = readForm(ctx, { reason: { maxLength: 500 } });
  const targetId = ctx.params.userId;
  const target = isUserId(targetId)
    ? (await sor.listMembersOfOrg(c.org.id)).find((m) => m.userId === targetId)
    : undefined;
  if (!target) throw forbidden();
  const memberships = await sor.listMembershipsOfUser(target.userId);
  const decision = mayReset(
    c.org.id,
    { userId: c.s.state.user.id, memberships: c.s.state.memberships },
    { userId: target.userId, memberships },
  );
  if (!decision.allowed) {
    if (decision.reason !== 'other_org') throw forbidden();
    // V5: say who can — that organization's owner, or support through the CLI (R2).
    const orgs = orgNames(memberships, decision.orgIds);
    throw new HttpError(403, 'org.reset_elsewhere', { email: target.user.email, orgs });
  }
  // Issue 16 item 6: methods as a person counts them (the app with its backup codes is one).
  const methods = new Set((await sor.listFactors(target.userId)).map((r) => r.type).filter(isMethod)).size;
  await sor.transaction(async (tx) => {
    const n = await tx.deleteFactorsOfUser(target.userId);
    await audit(
      tx,
      whoActs(ctx, c),
      'mfa.reset',
      { userId: target.userId, orgId: c.org.id },
      { reason: form.reason.trim(), removed: n, via: 'organization' },
    );
  });
  const ended = (await deps.mfa.sessions.endEverything(target.userId)).sessionsEnded;
  const notice = ctx.state.t('org.reset_done', { email: target.user.email, methods, sessions: ended });
  await page(ctx, deps, pageOf(c), { notice });
}

export function organizationRoutes(
  router: Router,
  provider: Provider,
  services: Services,
  mfa: MfaService,
): void {
  const { sor, config } = services;
  const deps: OrgDeps = { services, mfa };
  const account = accountMiddleware(provider, mfa, config.cookieKeys[0]);
  const context = (ctx: Context) => orgMember(ctx);

  // Issue 16 item 9: the risky actions are confirmed first.
  orgConfirmRoutes(router, services, { context, account });
  orgRolloutSettingsRoutes(router, services, { context, account });

  router.get('/account/organizations/:id', account(), (ctx) => page(ctx, deps, pageOf(context(ctx))));

  // A5: the owner's export of the audit log (the page's filters apply).
  for (const format of ['csv', 'jsonl'] as const) {
    router.get(`/account/organizations/:id/audit.${format}`, account(), async (ctx) => {
      const c = context(ctx);
      if (c.role !== 'owner') throw forbidden();
      await exportAudit(ctx, sor, c.org.id, await sor.listMembersOfOrg(c.org.id), format);
    });
  }

  router.post('/account/organizations/:id/require-mfa', account(), (ctx) => requireMfa(ctx, deps));
  router.post('/account/organizations/:id/members/:userId/reset-mfa', account(), (ctx) =>
    resetMember(ctx, deps),
  );
}
