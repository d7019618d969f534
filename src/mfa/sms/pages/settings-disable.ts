// Disabling SMS on the security settings page (M2, S6, M3): a code sent to the phone proves it;
// never the last method of a user for whom MFA is mandatory (the number is changed by removing
// SMS and adding it again).
import type Router from '@koa/router';
import type { Context } from 'koa';
import { accountOf } from '../../../account/middleware.ts';
import type { AccountSession } from '../../../account/session.ts';
import { audit } from '../../../audit.ts';
import { whoActs } from '../../../core/flow.ts';
import { readForm } from '../../../http/form.ts';
import { renderPage } from '../../../http/render.ts';
import { rateLimitedMessage } from '../../refusal.ts';
import { maskPhone } from '../phone.ts';
import { canRemoveSms } from '../remove.ts';
import { describeSend, localeOf, tOf } from './common.ts';
import type { SmsSettingsScope } from './settings-scope.ts';

/**
 * M2: the page asking for a code sent to the phone (`send`: send one, within the resend wait).
 * S6/M3: never the last method of a user for whom MFA is mandatory.
 */
async function showDisablePage(
  ctx: Context,
  { deps, parts, base }: SmsSettingsScope,
  s: AccountSession,
  send: boolean,
  flash: { error?: string; status?: number } = {},
) {
  const t = tOf(ctx);
  const removal = canRemoveSms(s.state, deps.mfa.policy);
  if (!removal.ok) {
    // X7: not a bare error page — why, and a link to add the app first.
    const addHref = s.state.enrolled.includes('totp') ? null : '/account/security/totp';
    const view = { title: t('security.kept_title'), message: t(removal.messageKey), addHref };
    return renderPage(ctx, 'method-kept', view, 409);
  }
  const phone = parts.factor.phoneOf(s.state.records)!;
  const view: { error?: string; notice?: string; status?: number } = {};
  if (send) {
    const outcome = await parts.factor.send({
      user: s.state.user,
      purpose: 'disable',
      flowKey: deps.flowOf(s).flowKey,
      phone,
      resend: ctx.method === 'POST',
      ip: ctx.ip,
      locale: localeOf(ctx),
    });
    describeSend(ctx, view, outcome, ctx.method === 'POST');
  }
  await renderPage(
    ctx,
    'factors/sms/disable',
    {
      title: t('security.sms.disable_title'),
      phone: maskPhone(phone),
      csrf: s.csrf,
      action: `${base}/disable`,
      resendAction: `${base}/disable/resend`,
      error: flash.error ?? view.error ?? null,
      notice: view.notice ?? null,
    },
    flash.status ?? view.status,
  );
}

/** POST …/disable: the code checked (counted first, V2), then SMS removed and other sessions ended. */
async function disableSms(ctx: Context, scope: SmsSettingsScope): Promise<void> {
  const { deps, parts } = scope;
  const { mfa } = deps;
  const form = readForm(ctx, { code: { maxLength: 64 } });
  const s = accountOf(ctx);
  if (!s.state.enrolled.includes('sms')) return ctx.redirect('/account/security');
  const t = tOf(ctx);
  if (!canRemoveSms(s.state, mfa.policy).ok) return showDisablePage(ctx, scope, s, false);
  const attempt = await mfa.guard.begin(s.state.user.id, ctx.ip); // V2: counted first
  if (!attempt.allowed) {
    const error = rateLimitedMessage(t, attempt.retryAfterSeconds);
    return showDisablePage(ctx, scope, s, false, { status: 429, error });
  }
  const flow = deps.flowOf(s);
  const who = whoActs(ctx, flow);
  const phone = parts.factor.phoneOf(s.state.records);
  const code = form.code.normalize('NFKC');
  const checked = await parts.factor.check({
    user: s.state.user,
    purpose: 'disable',
    flowKey: flow.flowKey,
    code,
    phone,
  });
  if (!checked.ok) {
    await attempt.fail(undefined, who);
    const error = checked.reason === 'invalid' ? t('mfa.incorrect') : t('sms.expired');
    return showDisablePage(ctx, scope, s, false, { status: 401, error });
  }
  await attempt.succeed();
  await mfa.binding.record(s.sessionUid); // G5: the proof is a second factor just completed
  await deps.services.sor.transaction(async (tx) => {
    const removed = await parts.factor.disable(s.state.user.id, tx);
    const details = { type: 'sms', removed, proof: 'sms' };
    await audit(tx, who, 'factor.disabled', { userId: s.state.user.id }, details);
  });
  await mfa.sessions.endEverything(s.state.user.id, { keep: s.sessionId });
  ctx.status = 303;
  ctx.redirect('/account/security?done=removed');
}

/** GET and POST /account/security/sms/disable, and POST …/disable/resend. */
export function smsDisableRoutes(router: Router, scope: SmsSettingsScope): void {
  const { base, account } = scope;

  router.get(`${base}/disable`, account(), async (ctx) => {
    const s = accountOf(ctx);
    if (!s.state.enrolled.includes('sms')) return ctx.redirect('/account/security');
    await showDisablePage(ctx, scope, s, true);
  });

  router.post(`${base}/disable/resend`, account(), async (ctx) => {
    const s = accountOf(ctx);
    if (!s.state.enrolled.includes('sms')) return ctx.redirect('/account/security');
    await showDisablePage(ctx, scope, s, true);
  });

  router.post(`${base}/disable`, account(), (ctx) => disableSms(ctx, scope));
}
