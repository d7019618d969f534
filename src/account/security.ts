// /account/security (M1–M4, T1): the user's methods, which one sign-in uses, backup codes left;
// add the authenticator app (password first), disable a method with proof, end other sessions.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { audit } from '../audit.ts';
import { afterCommit } from '../core/after-commit.ts';
import { revokeConsent } from '../core/consents.ts';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import { enrollmentViews } from '../interactions/mfa/enroll-steps.ts';
import { normalizeBackupCode } from '../mfa/backup-codes/codes.ts';
import { attemptsLeftNotice, refusalError } from '../mfa/refusal.ts';
import type { MfaService } from '../mfa/service.ts';
import { maskPhone } from '../mfa/sms/phone.ts';
import type { Services } from '../services.ts';
import type { FactorType } from '../store/records.ts';
import { createBindingGate } from './binding-gate.ts';
import { checkPassword } from './credentials.ts';
import { devicesSection } from './remembered-devices.ts';
import { type AccountSession, checkCsrf, loadAccountSession, upgradeSession } from './session.ts';

const BASE = '/account/security';

export function securityRoutes(
  router: Router,
  provider: Provider,
  services: Services,
  mfa: MfaService,
): void {
  const { sor, config } = services;
  const signedIn = async (ctx: Context): Promise<AccountSession | undefined> => {
    const s = await loadAccountSession(ctx, provider, mfa, config.cookieKeys[0]);
    if (!s) {
      ctx.status = 303;
      ctx.redirect(`/account/login?return_to=${encodeURIComponent(ctx.path)}`);
    }
    return s;
  };
  const flowKey = (s: AccountSession) => `acct:${s.sessionUid}`;
  const binding = createBindingGate(mfa, signedIn); // G5
  binding.routes(router);
  const who = (ctx: Context, s: AccountSession) => ({
    actorUserId: s.state.user.id,
    ip: ctx.ip,
    userAgent: ctx.get('user-agent'),
  });
  const mandatory = (s: AccountSession) => mfa.decisions.mandatory(s.state);

  /** I8: third-party clients the user consented to (client name, scopes, date). */
  async function appsWithAccess(userId: string) {
    const clients = await services.clients.list({ maxAgeMs: 3_000 }); // A2: current clients
    return (await sor.listConsents(userId)).map((c) => ({
      clientId: c.clientId,
      name: clients.find((k) => k.client_id === c.clientId)?.client_name ?? c.clientId,
      scopes: c.scopes.join(' '),
      grantedAt: c.grantedAt.toISOString().slice(0, 10),
    }));
  }

  /** X7: where "Add another method first" leads (null when no other method can be added). */
  function addFirstHref(enrolled: FactorType[]): Record<'totp' | 'sms', string | null> {
    const smsFree = mfa.factors.has('sms') && !enrolled.includes('sms');
    return { totp: smsFree ? `${BASE}/sms` : null, sms: enrolled.includes('totp') ? null : `${BASE}/totp` };
  }

  /** M3, X7: the refusal to remove the last method, with the way forward. */
  function keptPage(ctx: Context, enrolled: FactorType[]) {
    const t = ctx.state.t;
    const message = t('security.only_method');
    const addHref = addFirstHref(enrolled).totp;
    return renderPage(ctx, 'method-kept', { title: t('security.kept_title'), message, addHref }, 409);
  }

  async function page(
    ctx: Context,
    s: AccountSession,
    flash: { error?: string; notice?: string } = {},
    status = 200,
  ) {
    const t = ctx.state.t;
    const backupLeft = mfa.factors.get('backup_code')?.usable(s.state.records).length ?? 0;
    const sms = s.state.records.find((r) => r.type === 'sms');
    const phone = typeof sms?.data.phone === 'string' ? maskPhone(sms.data.phone) : null;
    await renderPage(
      ctx,
      'account-security',
      {
        title: t('security.title'),
        wide: true,
        email: s.state.user.email,
        emailVerified: Boolean(s.state.user.emailVerifiedAt), // U5
        backToApp: ctx.state.backToApp ?? null, // U7 (src/account/account-nav.ts)
        csrf: s.csrf,
        hasTotp: s.state.enrolled.includes('totp'),
        hasSms: s.state.enrolled.includes('sms'),
        smsAvailable: mfa.factors.has('sms'),
        phone,
        preferred:
          s.decision.preferred ??
          (s.state.enrolled.includes('totp') ? 'totp' : (s.state.enrolled[0] ?? null)),
        backupLeft,
        // X7, M3: a method that cannot go shows why and the way forward, not a form that fails.
        removable: {
          totp: mfa.decisions.canRemove(s.state, 'totp').ok,
          sms: mfa.decisions.canRemove(s.state, 'sms').ok,
        },
        addFirst: addFirstHref(s.state.enrolled),
        mandatory: mandatory(s),
        locked: s.state.records.filter((r) => r.lockedAt).map((r) => r.type),
        orgs: s.state.memberships.map((m) => ({ id: m.orgId, name: m.org.name, role: m.role })),
        apps: await appsWithAccess(s.state.user.id),
        devices: await devicesSection(ctx, mfa, s.state.user.id), // G4
        error: flash.error ?? (ctx.query.done === 'verify_unsent' ? t('verify.unsent') : null),
        notice:
          flash.notice ??
          (ctx.query.done === 'added'
            ? t('security.added')
            : ctx.query.done === 'removed'
              ? t('security.removed')
              : ctx.query.done === 'password'
                ? t('security.password_changed')
                : ctx.query.done === 'verify_sent'
                  ? t('verify.sent', { minutes: Math.ceil(config.mail.verificationTtlSeconds / 60) })
                  : null),
      },
      status,
    );
  }

  router.get(BASE, async (ctx) => {
    const s = await signedIn(ctx);
    if (s) await page(ctx, s);
  });

  // T1: adding a method starts with the password; fresh for REAUTH_WINDOW_SECONDS.
  router.post(`${BASE}/reauth`, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    const t = ctx.state.t;
    const form = readForm(ctx, {
      csrf: { maxLength: 100 },
      password: { maxLength: 1024 },
      username: { maxLength: 254, optional: true },
    });
    checkCsrf(s, form.csrf);
    // V2: the attempt counts before the password is checked; a right password gives it back.
    const attempt = await mfa.guard.begin(s.state.user.id, ctx.ip);
    if (!attempt.allowed || !(await checkPassword(sor, s.state.user.email, form.password))) {
      if (attempt.allowed) await attempt.fail(undefined, who(ctx, s));
      return enrollmentViews(ctx, services, mfa).reauth(
        ctx.query.next === 'sms' ? `${BASE}/reauth?next=sms` : `${BASE}/reauth`,
        s.state.user.email,
        {
          csrf: s.csrf,
          error: attempt.allowed
            ? t('reauth.invalid')
            : t('mfa.rate_limited', { minutes: Math.ceil(attempt.retryAfterSeconds / 60) }),
          status: attempt.allowed ? 401 : 429,
        },
      );
    }
    await attempt.cancel();
    await mfa.reauth.mark(flowKey(s), s.state.user.id);
    ctx.status = 303;
    ctx.redirect(ctx.query.next === 'sms' ? `${BASE}/sms` : `${BASE}/totp`);
  });

  router.get(`${BASE}/totp`, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    if (s.state.enrolled.includes('totp')) return ctx.redirect(BASE);
    if (!(await binding.ensure(ctx, s, 'totp'))) return;
    const views = enrollmentViews(ctx, services, mfa);
    if (!(await mfa.reauth.isFresh(flowKey(s), s.state.user.id))) {
      return views.reauth(`${BASE}/reauth`, s.state.user.email, { csrf: s.csrf });
    }
    await views.totp({
      userFlow: { user: s.state.user, flowKey: flowKey(s) },
      base: BASE,
      required: false,
      csrf: s.csrf,
    });
  });

  router.post(`${BASE}/enroll/totp/restart`, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    checkCsrf(s, readForm(ctx, { csrf: { maxLength: 100 } }).csrf);
    if (!(await binding.ensure(ctx, s, 'totp'))) return;
    if (await mfa.reauth.isFresh(flowKey(s), s.state.user.id))
      await mfa.totpEnrollment.start(s.state.user, flowKey(s), true);
    ctx.status = 303;
    ctx.redirect(`${BASE}/totp`);
  });

  router.post(`${BASE}/enroll/totp/confirm`, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    const t = ctx.state.t;
    const form = readForm(ctx, { csrf: { maxLength: 100 }, code: { maxLength: 64 } });
    checkCsrf(s, form.csrf);
    if (s.state.enrolled.includes('totp')) return ctx.redirect(BASE);
    if (!(await binding.ensure(ctx, s, 'totp'))) return;
    const views = enrollmentViews(ctx, services, mfa);
    if (!(await mfa.reauth.isFresh(flowKey(s), s.state.user.id))) {
      return views.reauth(`${BASE}/reauth`, s.state.user.email, { expired: true, csrf: s.csrf });
    }
    const userFlow = { user: s.state.user, flowKey: flowKey(s) };
    const attempt = await mfa.guard.begin(s.state.user.id, ctx.ip); // V2: counted first
    if (!attempt.allowed) {
      return views.totp({
        userFlow,
        base: BASE,
        required: false,
        csrf: s.csrf,
        status: 429,
        error: t('mfa.rate_limited', { minutes: Math.ceil(attempt.retryAfterSeconds / 60) }),
      });
    }
    const result = await mfa.totpEnrollment.confirm(
      s.state.user,
      flowKey(s),
      form.code.normalize('NFKC'),
      who(ctx, s),
    );
    if (!result.ok) {
      if (result.reason === 'incorrect') await attempt.fail(undefined, who(ctx, s));
      else await attempt.cancel();
      const error = result.reason === 'expired' ? t('enroll.expired') : t('mfa.incorrect');
      return views.totp({ userFlow, base: BASE, required: false, csrf: s.csrf, status: 400, error });
    }
    // V6: the app is active from here on, so the codes are shown whatever fails next.
    await afterCommit(services.logger, 'attempts', () => attempt.succeed());
    await afterCommit(services.logger, 'reauth', () => mfa.reauth.clear(flowKey(s)));
    await afterCommit(services.logger, 'session', () => upgradeSession(provider, s.sessionId, ['otp']));
    await afterCommit(services.logger, 'binding', () => mfa.binding.record(s.sessionUid)); // G5
    await views.backupCodes(result.backupCodes, s.state.user.email, `${BASE}?done=added`);
  });

  // M2–M4: disabling the app needs a current code or an unused backup code; the last method of a
  // user for whom MFA is mandatory can never go.
  router.post(`${BASE}/totp/disable`, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    const t = ctx.state.t;
    const form = readForm(ctx, { csrf: { maxLength: 100 }, code: { maxLength: 64 } });
    checkCsrf(s, form.csrf);
    if (!s.state.enrolled.includes('totp')) return ctx.redirect(BASE);
    if (!mfa.decisions.canRemove(s.state, 'totp').ok) return keptPage(ctx, s.state.enrolled);
    const code = form.code.normalize('NFKC');
    const type = normalizeBackupCode(code) ? 'backup_code' : 'totp';
    const outcome = await mfa.verify(s.state, type, code, flowKey(s), who(ctx, s));
    if (!outcome.ok) {
      // X6: what happened, and from the third wrong try how many are left.
      const message = [
        refusalError(t, type, outcome),
        attemptsLeftNotice(t, outcome, mfa.maxFailuresPerWindow),
      ]
        .filter(Boolean)
        .join(' ');
      return page(
        ctx,
        (await loadAccountSession(ctx, provider, mfa, config.cookieKeys[0])) ?? s,
        { error: message },
        outcome.error === 'rate_limited' ? 429 : 401,
      );
    }
    await mfa.binding.record(s.sessionUid); // G5: the proof is a second factor just completed
    await sor.transaction(async (tx) => {
      const removed = await mfa.factors.get('totp')!.disable(s.state.user.id, tx);
      await audit(
        tx,
        who(ctx, s),
        'factor.disabled',
        { userId: s.state.user.id },
        { type: 'totp', removed, proof: type },
      );
    });
    // Weaker protection: every other session of this user ends.
    await mfa.sessions.endEverything(s.state.user.id, { keep: s.sessionId });
    ctx.status = 303;
    ctx.redirect(`${BASE}?done=removed`);
  });

  // I8: revoking an app's access removes the consent and that client's grants and tokens.
  router.post(`${BASE}/apps/revoke`, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    const form = readForm(ctx, { csrf: { maxLength: 100 }, client_id: { maxLength: 128 } });
    checkCsrf(s, form.csrf);
    const { removed } = await revokeConsent(sor, services.eph, s.state.user.id, form.client_id);
    if (removed)
      await audit(
        sor,
        who(ctx, s),
        'consent.revoked',
        { userId: s.state.user.id },
        { clientId: form.client_id },
      );
    await page(ctx, s, { notice: ctx.state.t('security.app_revoked') });
  });

  router.post(`${BASE}/sessions/end-others`, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    checkCsrf(s, readForm(ctx, { csrf: { maxLength: 100 } }).csrf);
    const { sessionsEnded } = await mfa.sessions.endEverything(s.state.user.id, { keep: s.sessionId });
    const notice = ctx.state.t('security.sessions_ended', { count: sessionsEnded });
    await page(ctx, s, { notice });
  });
}
