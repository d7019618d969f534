// The page /account/security (M1–M4, I8, U5, U7): the user's methods — each factor's own row and
// notes (FactorPages.settings, src/mfa/pages.ts) in the page registry's order —, the apps with
// access; and the refusal to remove the last method (M3, X7).
import type { Context } from 'koa';
import { renderPage } from '../http/render.ts';
import { FACTOR_PAGES, FIRST_ENROLLMENT, SETTINGS_ENROLLMENTS } from '../mfa/page-registry.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import type { FactorType } from '../store/records.ts';
import { devicesSection } from './remembered-devices.ts';
import type { AccountSession } from './session.ts';

const BASE = '/account/security';

/** I8: third-party clients the user consented to (client name, scopes, date). */
async function appsWithAccess(services: Services, userId: string) {
  const clients = await services.clients.list({ maxAgeMs: 3_000 }); // A2: current clients
  return (await services.sor.listConsents(userId)).map((c) => ({
    clientId: c.clientId,
    name: clients.find((k) => k.client_id === c.clientId)?.client_name ?? c.clientId,
    scopes: c.scopes.join(' '),
    grantedAt: c.grantedAt.toISOString().slice(0, 10),
  }));
}

/**
 * X7: where "Add another method first" leads when `type` cannot go: the first other method with an
 * enrollment on this page that is configured and not yet enrolled (null when there is none).
 */
function addFirstHref(mfa: MfaService, enrolled: readonly FactorType[], type: FactorType): string | null {
  const other = SETTINGS_ENROLLMENTS.find((t) => t !== type && mfa.factors.has(t) && !enrolled.includes(t));
  return other ? `${BASE}/${other}` : null;
}

/** The message after a step that came back here (?done=…). */
function doneMessage(ctx: Context, services: Services): { error: string | null; notice: string | null } {
  const t = ctx.state.t;
  const minutes = Math.ceil(services.config.mail.verificationTtlSeconds / 60);
  const notices: Record<string, () => string> = {
    added: () => t('security.added'),
    removed: () => t('security.removed'),
    password: () => t('security.password_changed'),
    verify_sent: () => t('verify.sent', { minutes }),
  };
  const done = typeof ctx.query.done === 'string' ? ctx.query.done : '';
  return {
    error: done === 'verify_unsent' ? t('verify.unsent') : null,
    notice: Object.hasOwn(notices, done) ? notices[done]() : null,
  };
}

/** M1: each factor's row and notes (src/mfa/page-registry.ts, in its order). */
function methods(ctx: Context, mfa: MfaService, s: AccountSession) {
  const { enrolled, records } = s.state;
  const preferred =
    s.decision.preferred ?? (enrolled.includes(FIRST_ENROLLMENT) ? FIRST_ENROLLMENT : (enrolled[0] ?? null));
  const locked = records.filter((r) => r.lockedAt).map((r) => r.type);
  return {
    rows: FACTOR_PAGES.flatMap(
      (p) =>
        p.settings?.row?.(mfa, { s, preferred, addFirst: addFirstHref(mfa, enrolled, p.type), locked }) ?? [],
    ),
    notes: FACTOR_PAGES.flatMap((p) => p.settings?.notes?.(ctx, mfa, s) ?? []),
  };
}

export type SecurityPage = ReturnType<typeof securityPage>;

export function securityPage(services: Services, mfa: MfaService) {
  return {
    async show(
      ctx: Context,
      s: AccountSession,
      flash: { error?: string; notice?: string } = {},
      status = 200,
    ) {
      const t = ctx.state.t;
      const done = doneMessage(ctx, services);
      await renderPage(
        ctx,
        'account-security',
        {
          title: t('security.title'),
          wide: true,
          email: s.state.user.email,
          emailVerified: Boolean(s.state.user.emailVerifiedAt), // U5
          // E2: on a host (src/extension/account-routes.ts) no password, e-mail or organizations of ours.
          hostDirectory: ctx.state.hostDirectory === true,
          backToApp: ctx.state.backToApp ?? null, // U7 (src/account/account-nav.ts)
          csrf: s.csrf,
          ...methods(ctx, mfa, s),
          mandatory: mfa.decisions.mandatory(s.state),
          orgs: s.state.memberships.map((m) => ({ id: m.orgId, name: m.org.name, role: m.role })),
          apps: await appsWithAccess(services, s.state.user.id),
          devices: await devicesSection(ctx, mfa, s.state.user.id), // G4
          error: flash.error ?? done.error,
          notice: flash.notice ?? done.notice,
        },
        status,
      );
    },

    /** M3, X7: the refusal to remove the last method, with the way forward. */
    kept(ctx: Context, enrolled: readonly FactorType[], type: FactorType) {
      const t = ctx.state.t;
      const message = t('security.only_method');
      const addHref = addFirstHref(mfa, enrolled, type);
      return renderPage(ctx, 'method-kept', { title: t('security.kept_title'), message, addHref }, 409);
    },
  };
}
