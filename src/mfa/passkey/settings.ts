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
import type { FactorType } from '../../store/records.ts';
import type { ProofPart, SettingsDeps } from '../pages.ts';
import { refusalMessage } from '../refusal.ts';
import { passkeyAmr } from './amr.ts';
import { isPasskeyFactor, type PasskeyFactor } from './factor.ts';
import { cleanPasskeyName, MAX_NAME_LENGTH } from './names.ts';

const BASE = '/account/security/passkey';
/** A posted ceremony result (JSON): well above a real one (~1–2 KB), bounded (X1). */
export const RESPONSE_MAX = 16_384;

interface Scope {
  deps: SettingsDeps;
  factor: PasskeyFactor;
  flowKey(s: AccountSession): string;
  who(ctx: Context, s: AccountSession): ReturnType<typeof whoActs>;
  fresh(s: AccountSession): Promise<boolean>;
}

/** The flow a code sent to prove a removal belongs to (e.g. SMS; it works here only). */
const proofKey = (s: AccountSession) => `pk-remove:${s.sessionUid}`;

const day = (d: Date | null) => d?.toISOString().slice(0, 10) ?? null;

function doneNotice(ctx: Context): string | null {
  const t = ctx.state.t;
  if (ctx.query.done === 'added') return t('passkey.added');
  return ctx.query.done === 'removed' ? t('security.removed') : null;
}

/** M2: a code proves the removal where the app, its backup codes or a factor's part of the form can. */
const canProveWithCode = (s: AccountSession, proof: readonly ProofPart[]) =>
  s.state.usable.includes('totp') || s.state.usable.includes('backup_code') || proof.length > 0;

interface Flash {
  error?: string;
  notice?: string;
}

async function page(
  scope: Scope,
  ctx: Context,
  s: AccountSession,
  flash: Flash = {},
  status = 200,
  resend?: FactorType,
) {
  const { deps, factor } = scope;
  const { mfa, services } = deps;
  const passkeys = await services.sor.listPasskeys(s.state.user.id);
  // W4: a code of a factor with a part of the form (SMS) proves the removal too (sent on request,
  // for this flow only).
  const proof = await deps.proof.parts(ctx, s.state, proofKey(s), 'status', resend);
  const canAdd = await scope.fresh(s);
  const assert =
    passkeys.length > 0
      ? await factor.challenge({ ...s.state, flowKey: scope.flowKey(s), resend: false })
      : {};
  await renderPage(
    ctx,
    'factors/passkey/settings',
    {
      title: ctx.state.t('passkey.settings.title'),
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
      registerOptions: canAdd
        ? JSON.stringify(await factor.registration.start(s.state.user, scope.flowKey(s)))
        : null,
      assertOptions: assert.ceremony ? JSON.stringify(assert.ceremony) : null,
      // M3: the last passkey of a user for whom MFA is mandatory, with no other method, stays.
      lastKept: passkeys.length === 1 && !mfa.decisions.canRemove(s.state, 'passkey').ok,
      codeProof: canProveWithCode(s, proof),
      proof: proof.map((p) => ({ ...p, action: `${BASE}/remove/${p.type}` })),
      hidden: [{ name: 'csrf', value: s.csrf }],
      error: flash.error ?? proof.find((p) => p.error)?.error ?? null,
      notice: flash.notice ?? proof.find((p) => p.notice)?.notice ?? doneNotice(ctx),
    },
    status,
  );
}

/** T1, G5: the password first (the security page's re-authentication comes back here). */
async function add(scope: Scope, ctx: Context) {
  const { deps } = scope;
  const s = accountOf(ctx);
  if (!(await deps.binding.ensure(ctx, s, 'passkey'))) return;
  if (await scope.fresh(s)) return ctx.redirect(BASE);
  return showReauth(ctx, deps.flowOf(s), 'passkey');
}

/** The ceremony's response, posted here. */
async function register(scope: Scope, ctx: Context) {
  const { deps, factor } = scope;
  const { provider, services, mfa } = deps;
  const s = accountOf(ctx);
  const form = readForm(ctx, { response: { maxLength: RESPONSE_MAX } });
  if (!(await deps.binding.ensure(ctx, s, 'passkey'))) return;
  if (!(await scope.fresh(s))) {
    return showReauth(ctx, deps.flowOf(s), 'passkey', { expired: true });
  }
  const result = await factor.registration.finish(
    s.state.user,
    scope.flowKey(s),
    form.response,
    scope.who(ctx, s),
  );
  const t = ctx.state.t;
  if (!result.ok) return page(scope, ctx, s, { error: t(`passkey.register_${result.reason}`) }, 400);
  const amr = passkeyAmr(result.passkey.deviceType);
  await afterCommit(services.logger, 'session', () => upgradeSession(provider, s.sessionId, amr));
  await afterCommit(services.logger, 'binding', () => mfa.binding.record(s.sessionUid)); // G5
  ctx.status = 303;
  ctx.redirect(`${BASE}?done=added`);
}

async function rename(scope: Scope, ctx: Context) {
  const s = accountOf(ctx);
  const form = readForm(ctx, { id: { maxLength: 64 }, name: { maxLength: 256 } });
  const t = ctx.state.t;
  const name = cleanPasskeyName(form.name);
  if (!name) return page(scope, ctx, s, { error: t('passkey.name_invalid', { max: MAX_NAME_LENGTH }) }, 400);
  const renamed = await scope.deps.services.sor.transaction(async (tx) => {
    if (!(await tx.renamePasskey(s.state.user.id, form.id, name))) return false;
    await audit(
      tx,
      scope.who(ctx, s),
      'passkey.renamed',
      { userId: s.state.user.id },
      { factorId: form.id, name },
    );
    return true;
  });
  if (!renamed) return page(scope, ctx, s, { error: t('error.bad_request') }, 404);
  await page(scope, ctx, s, { notice: t('passkey.renamed') });
}

/**
 * M2: the proof is a passkey assertion (any of the user's) or a code (the app, a backup code, a
 * factor's code sent here); its method, or undefined when the refusal was shown.
 */
async function proveRemoval(scope: Scope, ctx: Context, s: AccountSession, form: Record<string, string>) {
  const { deps } = scope;
  const { mfa, provider, services } = deps;
  const t = ctx.state.t;
  const code = form.code.normalize('NFKC');
  const type = form.response ? 'passkey' : deps.proof.method(s.state, code, form.method);
  if (!form.response && !code) {
    await page(scope, ctx, s, { error: t('passkey.proof_needed') }, 400);
    return undefined;
  }
  const key = deps.proof.types.includes(type) ? proofKey(s) : scope.flowKey(s);
  const outcome = await mfa.verify(s.state, type, form.response || code, key, scope.who(ctx, s));
  if (outcome.ok) return type;
  const message = refusalMessage(t, type, outcome, mfa.maxFailuresPerWindow);
  const now = (await loadAccountSession(ctx, provider, mfa, services.config.cookieKeys[0])) ?? s;
  await page(scope, ctx, now, { error: message }, outcome.error === 'rate_limited' ? 429 : 401);
  return undefined;
}

async function remove(scope: Scope, ctx: Context) {
  const { deps, factor } = scope;
  const { mfa, services } = deps;
  const s = accountOf(ctx);
  const form = readForm(ctx, {
    id: { maxLength: 64 },
    response: { maxLength: RESPONSE_MAX, optional: true },
    code: { maxLength: 64, optional: true },
    method: { maxLength: 16, optional: true },
  });
  const t = ctx.state.t;
  const passkeys = await services.sor.listPasskeys(s.state.user.id);
  const target = passkeys.find((p) => p.factorId === form.id);
  if (!target) return page(scope, ctx, s, { error: t('error.bad_request') }, 404);
  // M3: the last passkey goes only where another method (or optional MFA) allows.
  if (passkeys.length === 1 && !mfa.decisions.canRemove(s.state, 'passkey').ok) {
    return page(scope, ctx, s, { error: t('security.only_method') }, 409);
  }
  const proof = await proveRemoval(scope, ctx, s, form);
  if (!proof) return;
  await mfa.binding.record(s.sessionUid); // G5: the proof is a second factor just completed
  await services.sor.transaction(async (tx) => {
    if (!(await factor.removeOne(s.state.user.id, target.factorId, tx))) return;
    await audit(
      tx,
      scope.who(ctx, s),
      'factor.disabled',
      { userId: s.state.user.id },
      { type: 'passkey', name: target.name, removed: 1, proof },
    );
  });
  // Weaker protection: every other session of this user ends (as for the app, V3).
  await mfa.sessions.endEverything(s.state.user.id, { keep: s.sessionId });
  ctx.status = 303;
  ctx.redirect(`${BASE}?done=removed`);
}

export function passkeySettingsRoutes(router: Router, deps: SettingsDeps, factor: PasskeyFactor): void {
  const { account, flowOf, mfa } = deps;
  const scope: Scope = {
    deps,
    factor,
    flowKey: (s) => flowOf(s).flowKey,
    who: (ctx, s) => whoActs(ctx, flowOf(s)),
    fresh: (s) => isFresh(mfa, flowOf(s)),
  };
  router.get(BASE, account(), (ctx) => page(scope, ctx, accountOf(ctx)));
  router.get(`${BASE}/add`, account(), (ctx) => add(scope, ctx));
  router.post(`${BASE}/register`, account(), (ctx) => register(scope, ctx));
  router.post(`${BASE}/rename`, account(), (ctx) => rename(scope, ctx));
  // W4: "Send a code by SMS" on the remove form (the SMS sign-in's resend wait and budgets).
  for (const type of deps.proof.types) {
    router.post(`${BASE}/remove/${type}`, account(), (ctx) =>
      page(scope, ctx, accountOf(ctx), {}, 200, type),
    );
  }
  router.post(`${BASE}/remove`, account(), (ctx) => remove(scope, ctx));
}

/** The page registry's hook (./page-entry.ts): the passkey settings, when the factor is wired. */
export function passkeyAccountRoutes(router: Router, deps: SettingsDeps): void {
  const factor = deps.mfa.factors.get('passkey');
  if (isPasskeyFactor(factor)) passkeySettingsRoutes(router, deps, factor);
}
