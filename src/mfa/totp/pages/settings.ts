// The authenticator app on the security settings page (T1–T3, M2–M4): adding it (password first,
// G5's recent second factor when another method is enrolled), its restart and first code, and
// disabling it with a current code or an unused backup code.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AccountSession } from '../../../account/session.ts';
import { checkCsrf, upgradeSession } from '../../../account/session.ts';
import { audit } from '../../../audit.ts';
import { afterCommit } from '../../../core/after-commit.ts';
import { readForm } from '../../../http/form.ts';
import { enrollmentViews } from '../../../interactions/mfa/enroll-steps.ts';
import { normalizeBackupCode } from '../../backup-codes/codes.ts';
import { showBackupCodes } from '../../backup-codes/page.ts';
import type { SettingsDeps } from '../../pages.ts';
import { attemptsLeftNotice, refusalError } from '../../refusal.ts';
import { showTotpEnrollment, type TotpPageOptions } from './view.ts';

const BASE = '/account/security';

export function totpSettingsRoutes(router: Router, deps: SettingsDeps): void {
  const { provider, services, mfa, signedIn, binding } = deps;
  const { sor } = services;
  const flowKey = (s: AccountSession) => `acct:${s.sessionUid}`;
  const who = (ctx: Context, s: AccountSession) => ({
    actorUserId: s.state.user.id,
    ip: ctx.ip,
    userAgent: ctx.get('user-agent'),
  });
  const showPage = (ctx: Context, s: AccountSession, opts: Partial<TotpPageOptions> = {}) =>
    showTotpEnrollment(ctx, mfa, {
      userFlow: { user: s.state.user, flowKey: flowKey(s) },
      base: BASE,
      required: false,
      csrf: s.csrf,
      ...opts,
    });

  router.get(`${BASE}/totp`, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    if (s.state.enrolled.includes('totp')) return ctx.redirect(BASE);
    if (!(await binding.ensure(ctx, s, 'totp'))) return;
    if (!(await mfa.reauth.isFresh(flowKey(s), s.state.user.id))) {
      return enrollmentViews(ctx, services, mfa).reauth(`${BASE}/reauth`, s.state.user.email, {
        csrf: s.csrf,
      });
    }
    await showPage(ctx, s);
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
    if (!(await mfa.reauth.isFresh(flowKey(s), s.state.user.id))) {
      return enrollmentViews(ctx, services, mfa).reauth(`${BASE}/reauth`, s.state.user.email, {
        expired: true,
        csrf: s.csrf,
      });
    }
    const attempt = await mfa.guard.begin(s.state.user.id, ctx.ip); // V2: counted first
    if (!attempt.allowed) {
      return showPage(ctx, s, {
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
      return showPage(ctx, s, { status: 400, error });
    }
    // V6: the app is active from here on, so the codes are shown whatever fails next.
    await afterCommit(services.logger, 'attempts', () => attempt.succeed());
    await afterCommit(services.logger, 'reauth', () => mfa.reauth.clear(flowKey(s)));
    await afterCommit(services.logger, 'session', () => upgradeSession(provider, s.sessionId, ['otp']));
    await afterCommit(services.logger, 'binding', () => mfa.binding.record(s.sessionUid)); // G5
    await showBackupCodes(ctx, services, result.backupCodes, s.state.user.email, `${BASE}?done=added`);
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
    if (!mfa.decisions.canRemove(s.state, 'totp').ok) return deps.showKept(ctx, s.state.enrolled);
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
      return deps.showSecurity(ctx, s, { error: message }, outcome.error === 'rate_limited' ? 429 : 401);
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
}
