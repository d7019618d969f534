// /account/security/passkey (W1, W4, M2–M4, T1, G5, R3): the user's passkeys with their names,
// created and last-used times and transports; add one (after the password, T1, and a recent second
// factor, G5), rename one, remove one with proof — a passkey assertion or a code from the app or a
// backup code — where the last-method rule allows (M3). Every change is audited.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { accountOf } from '../../account/middleware.ts';
import { type AccountSession, loadAccountSession, upgradeSession } from '../../account/session.ts';
import { audit } from '../../audit.ts';
import { afterCommit } from '../../core/after-commit.ts';
import { whoActs } from '../../core/flow.ts';
import { isFresh, showReauth } from '../../core/flow-steps.ts';
import { readForm } from '../../http/form.ts';
import { renderPage } from '../../http/render.ts';
import type { SettingsDeps } from '../pages.ts';
import { refusalMessage } from '../refusal.ts';
import { proofMethod, smsProof } from '../sms/pages/proof.ts';
import { passkeyAmr } from './amr.ts';
import { isPasskeyFactor, type PasskeyFactor } from './factor.ts';
import { cleanPasskeyName, MAX_NAME_LENGTH } from './names.ts';

const BASE = '/account/security/passkey';
/** A posted ceremony result (JSON): well above a real one (~1–2 KB), bounded (X1). */
export const RESPONSE_MAX = 16_384;

export function passkeySettingsRoutes(router: Router, deps: SettingsDeps, factor: PasskeyFactor): void {
  const { provider, services, mfa, account, binding, flowOf } = deps;
  const { registration } = factor;
  const { sor, config } = services;
  const flowKey = (s: AccountSession) => flowOf(s).flowKey;
  const who = (ctx: Context, s: AccountSession) => whoActs(ctx, flowOf(s));
  const fresh = (s: AccountSession) => isFresh(mfa, flowOf(s));
  /** The flow an SMS code sent to prove a removal belongs to (it works here only). */
  const smsKey = (s: AccountSession) => `pk-remove:${s.sessionUid}`;

  async function page(
    ctx: Context,
    s: AccountSession,
    flash: { error?: string; notice?: string } = {},
    status = 200,
    smsMode: 'resend' | 'status' = 'status',
  ) {
    const t = ctx.state.t;
    const passkeys = await sor.listPasskeys(s.state.user.id);
    // W4: an SMS code proves the removal too (sent on request, for this flow only).
    const sms = await smsProof(ctx, services, mfa, s.state, smsKey(s), smsMode);
    const canAdd = await fresh(s);
    const day = (d: Date | null) => d?.toISOString().slice(0, 10) ?? null;
    const assert =
      passkeys.length > 0 ? await factor.challenge({ ...s.state, flowKey: flowKey(s), resend: false }) : {};
    await renderPage(
      ctx,
      'passkey-settings',
      {
        title: t('passkey.settings.title'),
        wide: true,
        backToApp: ctx.state.backToApp ?? null, // U7 (src/account/account-nav.ts)
        csrf: s.csrf,
        passkeys: passkeys.map((p) => ({
          id: p.factorId,
          name: p.name,
          created: day(p.createdAt),
          lastUsed: day(p.lastUsedAt),
          transports: p.transports.join(', '),
          synced: p.deviceType === 'multiDevice',
        })),
        maxName: MAX_NAME_LENGTH,
        registerOptions: canAdd ? JSON.stringify(await registration.start(s.state.user, flowKey(s))) : null,
        assertOptions: assert.ceremony ? JSON.stringify(assert.ceremony) : null,
        // M3: the last passkey of a user for whom MFA is mandatory, with no other method, stays.
        lastKept: passkeys.length === 1 && !mfa.decisions.canRemove(s.state, 'passkey').ok,
        codeProof:
          s.state.usable.includes('totp') || s.state.usable.includes('backup_code') || sms.phone !== null,
        sms,
        error: flash.error ?? sms.error ?? null,
        notice:
          flash.notice ??
          sms.notice ??
          (ctx.query.done === 'added'
            ? t('passkey.added')
            : ctx.query.done === 'removed'
              ? t('security.removed')
              : null),
      },
      status,
    );
  }

  router.get(BASE, account(), (ctx) => page(ctx, accountOf(ctx)));

  // T1, G5: the password first (the security page's re-authentication comes back here), then the
  // ceremony, whose response is posted here.
  router.get(`${BASE}/add`, account(), async (ctx) => {
    const s = accountOf(ctx);
    if (!(await binding.ensure(ctx, s, 'passkey'))) return;
    if (await fresh(s)) return ctx.redirect(BASE);
    return showReauth(ctx, flowOf(s), 'passkey');
  });

  router.post(`${BASE}/register`, account(), async (ctx) => {
    const s = accountOf(ctx);
    const form = readForm(ctx, { response: { maxLength: RESPONSE_MAX } });
    if (!(await binding.ensure(ctx, s, 'passkey'))) return;
    if (!(await fresh(s))) {
      return showReauth(ctx, flowOf(s), 'passkey', { expired: true });
    }
    const result = await registration.finish(s.state.user, flowKey(s), form.response, who(ctx, s));
    const t = ctx.state.t;
    if (!result.ok) return page(ctx, s, { error: t(`passkey.register_${result.reason}`) }, 400);
    const amr = passkeyAmr(result.passkey.deviceType);
    await afterCommit(services.logger, 'session', () => upgradeSession(provider, s.sessionId, amr));
    await afterCommit(services.logger, 'binding', () => mfa.binding.record(s.sessionUid)); // G5
    ctx.status = 303;
    ctx.redirect(`${BASE}?done=added`);
  });

  router.post(`${BASE}/rename`, account(), async (ctx) => {
    const s = accountOf(ctx);
    const form = readForm(ctx, { id: { maxLength: 64 }, name: { maxLength: 256 } });
    const t = ctx.state.t;
    const name = cleanPasskeyName(form.name);
    if (!name) return page(ctx, s, { error: t('passkey.name_invalid', { max: MAX_NAME_LENGTH }) }, 400);
    const renamed = await sor.transaction(async (tx) => {
      if (!(await tx.renamePasskey(s.state.user.id, form.id, name))) return false;
      await audit(
        tx,
        who(ctx, s),
        'passkey.renamed',
        { userId: s.state.user.id },
        { factorId: form.id, name },
      );
      return true;
    });
    if (!renamed) return page(ctx, s, { error: t('error.bad_request') }, 404);
    await page(ctx, s, { notice: t('passkey.renamed') });
  });

  // M2: the proof is a passkey assertion (any of the user's) or a code from the app / a backup code.
  // W4: "Send a code by SMS" on the remove form (the SMS sign-in's resend wait and budgets).
  router.post(`${BASE}/remove/sms`, account(), (ctx) => page(ctx, accountOf(ctx), {}, 200, 'resend'));

  router.post(`${BASE}/remove`, account(), async (ctx) => {
    const s = accountOf(ctx);
    const form = readForm(ctx, {
      id: { maxLength: 64 },
      response: { maxLength: RESPONSE_MAX, optional: true },
      code: { maxLength: 64, optional: true },
      method: { maxLength: 16, optional: true },
    });
    const t = ctx.state.t;
    const passkeys = await sor.listPasskeys(s.state.user.id);
    const target = passkeys.find((p) => p.factorId === form.id);
    if (!target) return page(ctx, s, { error: t('error.bad_request') }, 404);
    // M3: the last passkey goes only where another method (or optional MFA) allows.
    if (passkeys.length === 1 && !mfa.decisions.canRemove(s.state, 'passkey').ok) {
      return page(ctx, s, { error: t('security.only_method') }, 409);
    }
    const code = form.code.normalize('NFKC');
    const type = form.response ? 'passkey' : proofMethod(s.state, code, form.method);
    if (!form.response && !code) return page(ctx, s, { error: t('passkey.proof_needed') }, 400);
    const key = type === 'sms' ? smsKey(s) : flowKey(s);
    const outcome = await mfa.verify(s.state, type, form.response || code, key, who(ctx, s));
    if (!outcome.ok) {
      const message = refusalMessage(t, type, outcome, mfa.maxFailuresPerWindow);
      const now = (await loadAccountSession(ctx, provider, mfa, config.cookieKeys[0])) ?? s;
      return page(ctx, now, { error: message }, outcome.error === 'rate_limited' ? 429 : 401);
    }
    await mfa.binding.record(s.sessionUid); // G5: the proof is a second factor just completed
    await sor.transaction(async (tx) => {
      if (!(await factor.removeOne(s.state.user.id, target.factorId, tx))) return;
      await audit(
        tx,
        who(ctx, s),
        'factor.disabled',
        { userId: s.state.user.id },
        { type: 'passkey', name: target.name, removed: 1, proof: type },
      );
    });
    // Weaker protection: every other session of this user ends (as for the app, V3).
    await mfa.sessions.endEverything(s.state.user.id, { keep: s.sessionId });
    ctx.status = 303;
    ctx.redirect(`${BASE}?done=removed`);
  });
}

/** The page registry's hook (./page-entry.ts): the passkey settings, when the factor is wired. */
export function passkeyAccountRoutes(router: Router, deps: SettingsDeps): void {
  const factor = deps.mfa.factors.get('passkey');
  if (isPasskeyFactor(factor)) passkeySettingsRoutes(router, deps, factor);
}
