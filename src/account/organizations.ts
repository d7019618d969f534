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
import type { MembershipWithOrg, MembershipWithUser, Role } from '../store/records.ts';
import { accountMiddleware } from './middleware.ts';
import { auditSection, exportAudit } from './org-audit.ts';
import { orgConfirmRoutes } from './org-confirm.ts';
import { orgMember } from './org-member.ts';
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

export function organizationRoutes(
  router: Router,
  provider: Provider,
  services: Services,
  mfa: MfaService,
): void {
  const { sor, config } = services;

  const account = accountMiddleware(provider, mfa, config.cookieKeys[0]);
  const context = (ctx: Context) => orgMember(ctx);

  async function page(
    ctx: Context,
    s: AccountSession,
    orgId: string,
    role: Role,
    flash: { error?: string; notice?: string } = {},
    status = 200,
  ) {
    const t = ctx.state.t;
    const org = (await sor.findOrgById(orgId))!;
    const members = await sor.listMembersOfOrg(orgId);
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
        resetNote: decision.allowed
          ? null
          : decision.reason === 'other_org'
            ? t('org.reset_elsewhere_short', { orgs: orgNames(memberships, decision.orgIds) })
            : null,
      };
    });
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
        withoutMfa: rows.filter((r) => r.methods.length === 0).length,
        // A5: the readable audit log, with its filters, pages and exports.
        audit: role === 'owner' ? await auditSection(ctx, sor, orgId, members) : null,
        // F1: the owner sees the SSO connection and whether it works.
        sso: role === 'owner' ? await ssoOverview(config, org) : null,
        // G2, G3, G4: the enforcement date with its countdown, the allowed methods, remembered devices.
        rollout:
          role === 'owner'
            ? rolloutSection(
                org,
                rows.filter((r) => r.methods.length === 0).length,
                config.mfa,
                countryOptions(localeOf(ctx), config.sms.blockedCountries),
              )
            : null,
        error: flash.error ?? null,
        notice: flash.notice ?? null,
        roleName: (r: Role) => t(`role.${r}`),
      },
      status,
    );
  }

  // Issue 16 item 9: the risky actions are confirmed first.
  orgConfirmRoutes(router, services, { context, account });
  orgRolloutSettingsRoutes(router, services, { context, account });

  router.get('/account/organizations/:id', account(), async (ctx) => {
    const c = context(ctx);
    await page(ctx, c.s, c.org.id, c.role);
  });

  // A5: the owner's export of the audit log (the page's filters apply).
  for (const format of ['csv', 'jsonl'] as const) {
    router.get(`/account/organizations/:id/audit.${format}`, account(), async (ctx) => {
      const c = context(ctx);
      if (c.role !== 'owner') throw forbidden();
      await exportAudit(ctx, sor, c.org.id, await sor.listMembersOfOrg(c.org.id), format);
    });
  }

  // M5: the owner's switch; always on (and locked) for a paid organization.
  router.post('/account/organizations/:id/require-mfa', account(), async (ctx) => {
    const c = context(ctx);
    const t = ctx.state.t;
    const form = readForm(ctx, { value: { maxLength: 3 } });
    if (c.role !== 'owner') throw forbidden();
    if (form.value !== 'on' && form.value !== 'off') throw forbidden();
    if (c.org.plan === 'paid' && form.value === 'off') {
      return page(ctx, c.s, c.org.id, c.role, { error: t('org.paid_locked') }, 409);
    }
    const on = form.value === 'on';
    if (c.org.requireMfaForAllUsers !== on) {
      await sor.transaction(async (tx) => {
        await tx.updateOrg(c.org.id, { requireMfaForAllUsers: on });
        await audit(
          tx,
          { actorUserId: c.s.state.user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') },
          'org.policy_changed',
          { orgId: c.org.id },
          { requireMfaForAllUsers: on },
        );
      });
    }
    await page(ctx, c.s, c.org.id, c.role, { notice: t(on ? 'org.switched_on' : 'org.switched_off') });
  });

  // R1: reset a member's MFA — every factor and backup code goes, their sessions end.
  router.post('/account/organizations/:id/members/:userId/reset-mfa', account(), async (ctx) => {
    const c = context(ctx);
    const t = ctx.state.t;
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
        { actorUserId: c.s.state.user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') },
        'mfa.reset',
        { userId: target.userId, orgId: c.org.id },
        { reason: form.reason.trim(), removed: n, via: 'organization' },
      );
    });
    const ended = (await mfa.sessions.endEverything(target.userId)).sessionsEnded;
    await page(ctx, c.s, c.org.id, c.role, {
      notice: t('org.reset_done', { email: target.user.email, methods, sessions: ended }),
    });
  });
}
