// The authenticator app on the security settings page (T1–T3, M2–M4): adding it (password first,
// G5's recent second factor when another method is enrolled), its restart and first code, and
// disabling it with a current code or an unused backup code.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { accountOf } from '../../../account/middleware.ts';
import type { AccountSession } from '../../../account/session.ts';
import { audit } from '../../../audit.ts';
import { whoActs } from '../../../core/flow.ts';
import { isFresh } from '../../../core/flow-steps.ts';
import { readForm } from '../../../http/form.ts';
import { normalizeBackupCode } from '../../backup-codes/codes.ts';
import { showBackupCodes } from '../../backup-codes/page.ts';
import type { SettingsDeps } from '../../pages.ts';
import { refusalMessage } from '../../refusal.ts';
import { confirmTotpCode, totpRefusal } from './confirm.ts';
import { showTotpEnrollment, type TotpPageOptions } from './view.ts';

const BASE = '/account/security';

export function totpSettingsRoutes(router: Router, deps: SettingsDeps): void {
  const { services, mfa, account, flowOf } = deps;
  const showPage = (ctx: Context, s: AccountSession, opts: Partial<TotpPageOptions> = {}) =>
    showTotpEnrollment(ctx, mfa, {
      userFlow: { user: s.state.user, flowKey: flowOf(s).flowKey },
      base: BASE,
      required: false,
      csrf: s.csrf,
      ...opts,
    });

  router.get(`${BASE}/totp`, account(), async (ctx) => {
    const s = accountOf(ctx);
    if (s.state.enrolled.includes('totp')) return ctx.redirect(BASE);
    if (await deps.ensureFresh(ctx, s, 'totp')) await showPage(ctx, s);
  });

  router.post(`${BASE}/enroll/totp/restart`, account(), async (ctx) => {
    const s = accountOf(ctx);
    if (!(await deps.binding.ensure(ctx, s, 'totp'))) return;
    if (await isFresh(mfa, flowOf(s))) await mfa.totpEnrollment.start(s.state.user, flowOf(s).flowKey, true);
    ctx.status = 303;
    ctx.redirect(`${BASE}/totp`);
  });

  router.post(`${BASE}/enroll/totp/confirm`, account(), async (ctx) => {
    const s = accountOf(ctx);
    const form = readForm(ctx, { code: { maxLength: 64 } });
    if (s.state.enrolled.includes('totp')) return ctx.redirect(BASE);
    if (!(await deps.ensureFresh(ctx, s, 'totp', true))) return;
    const outcome = await confirmTotpCode(ctx, deps, flowOf(s), form.code);
    if (!outcome.ok) return showPage(ctx, s, totpRefusal(ctx, outcome));
    // V6: the app is active from here on, so the codes are shown whatever fails next.
    const done = outcome.next ?? `${BASE}?done=added`;
    await showBackupCodes(ctx, services, outcome.result.backupCodes, s.state.user.email, done);
  });

  router.post(`${BASE}/totp/disable`, account(), (ctx) => disableTotp(ctx, deps));
}

/**
 * M2–M4: disabling the app needs a current code or an unused backup code; the last method of a
 * user for whom MFA is mandatory can never go. Weaker protection ends every other session.
 */
async function disableTotp(ctx: Context, deps: SettingsDeps): Promise<void> {
  const { services, mfa } = deps;
  const s = accountOf(ctx);
  const t = ctx.state.t;
  const form = readForm(ctx, { code: { maxLength: 64 } });
  if (!s.state.enrolled.includes('totp')) return ctx.redirect(BASE);
  if (!mfa.decisions.canRemove(s.state, 'totp').ok) return deps.showKept(ctx, s.state.enrolled, 'totp');
  const code = form.code.normalize('NFKC');
  const type = normalizeBackupCode(code) ? 'backup_code' : 'totp';
  const flow = deps.flowOf(s);
  const who = whoActs(ctx, flow);
  const outcome = await mfa.verify(s.state, type, code, flow.flowKey, who);
  if (!outcome.ok) {
    // X6: what happened, and from the third wrong try how many are left.
    const message = refusalMessage(t, type, outcome, mfa.maxFailuresPerWindow);
    return deps.showSecurity(ctx, s, { error: message }, outcome.error === 'rate_limited' ? 429 : 401);
  }
  await mfa.binding.record(s.sessionUid); // G5: the proof is a second factor just completed
  await services.sor.transaction(async (tx) => {
    const removed = await mfa.factors.get('totp')!.disable(s.state.user.id, tx);
    await audit(
      tx,
      who,
      'factor.disabled',
      { userId: s.state.user.id },
      { type: 'totp', removed, proof: type },
    );
  });
  await mfa.sessions.endEverything(s.state.user.id, { keep: s.sessionId });
  ctx.status = 303;
  ctx.redirect(`${BASE}?done=removed`);
}
