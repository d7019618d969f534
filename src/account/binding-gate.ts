// G5 (binding rule) on the security settings page: with a method enrolled, adding one needs, besides
// T1's password, a second factor completed within MFA_BINDING_WINDOW_SECONDS (src/mfa/binding.ts).
// Without one the page asks for it first ("Confirm with your current method"): a code from the
// authenticator app, a backup code, or a code of a factor with a part of the form (SMS: texted to
// the user's phone as the page opens for an SMS-only user, or on request; src/mfa/proof-form.ts),
// checked by mfa.verify (attempt limits apply, V2).
// Removing a method already needs a proof from a current method (M2), which records the binding too.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import { canProveWithCode, FIRST_ENROLLMENT } from '../mfa/page-registry.ts';
import type { BindingGate, PageDeps, ProofMode } from '../mfa/pages.ts';
import { PROOF_PART_TYPES, proofFlash, proofMethod, proofParts, withActions } from '../mfa/proof-form.ts';
import { refusalMessage } from '../mfa/refusal.ts';
import { isFactorType } from '../mfa/registry.ts';
import type { FactorType } from '../store/records.ts';
import { type AccountMiddleware, accountOf } from './middleware.ts';
import type { AccountSession } from './session.ts';

const BASE = '/account/security';
type Next = FactorType;

/** The flow a code sent for this confirmation belongs to (it works here only). */
const flowKey = (s: AccountSession) => `bind:${s.sessionUid}`;

const nextOf = (ctx: Context): Next => (isFactorType(ctx.query.next) ? ctx.query.next : FIRST_ENROLLMENT);

interface ShowOptions {
  error?: string | null;
  status: number;
  mode?: ProofMode;
  /** The factor whose code the person asked for again. */
  resend?: FactorType;
}

/** The "Confirm with your current method" page. */
async function show(ctx: Context, deps: PageDeps, s: AccountSession, next: Next, opts: ShowOptions) {
  const parts = await proofParts(ctx, deps, s.state, flowKey(s), opts.mode ?? 'status', opts.resend);
  const said = proofFlash(parts);
  // A code of a method (the app, with its backup codes; SMS); without one usable, sign in again.
  const canProve = canProveWithCode(s.state.usable);
  const t = ctx.state.t;
  return renderPage(
    ctx,
    'binding-confirm',
    {
      title: t('binding.title'),
      action: canProve ? `${BASE}/confirm-method?next=${next}` : null,
      // binding.intro_<type>: the intro that names a factor's part too (binding.intro_sms).
      intro: t(parts.length > 0 ? `binding.intro_${parts[0].type}` : 'binding.intro'),
      proof: withActions(parts, (type) => `${BASE}/confirm-method/${type}?next=${next}`),
      hidden: [{ name: 'csrf', value: s.csrf }],
      csrf: s.csrf,
      error: opts.error ?? said.error ?? null,
      notice: said.notice ?? null,
    },
    said.status ?? opts.status,
  );
}

/** The posted code: a recent second factor (G5) recorded, on to adding `next`. */
async function confirm(ctx: Context, deps: PageDeps) {
  const { mfa } = deps;
  const next = nextOf(ctx);
  const s = accountOf(ctx);
  const form = readForm(ctx, { code: { maxLength: 64 }, method: { maxLength: 16, optional: true } });
  const code = form.code.normalize('NFKC');
  const type = proofMethod(s.state, code, form.method);
  const who = { actorUserId: s.state.user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') };
  const outcome = await mfa.verify(s.state, type, code, flowKey(s), who);
  if (!outcome.ok) {
    const error = refusalMessage(ctx.state.t, type, outcome, mfa.maxFailuresPerWindow);
    return show(ctx, deps, s, next, { error, status: outcome.error === 'rate_limited' ? 429 : 401 });
  }
  await mfa.binding.record(s.sessionUid);
  ctx.status = 303;
  ctx.redirect(`${BASE}/${next}`);
}

export function createBindingGate(deps: PageDeps, account: AccountMiddleware): BindingGate {
  return {
    /** True when the step may go on; otherwise the confirm form was shown. */
    async ensure(ctx: Context, s: AccountSession, next: Next): Promise<boolean> {
      if (s.state.enrolled.length === 0) return true; // a first method: nothing to bind to
      if (await deps.mfa.binding.isFresh(s.sessionUid)) return true;
      const open = ctx.method === 'GET';
      // A factor may send its code as the page opens (SMS, for an SMS-only user; resend on request).
      await show(ctx, deps, s, next, { status: open ? 200 : 403, mode: open ? 'open' : 'status' });
      return false;
    },

    routes(router: Router): void {
      for (const type of PROOF_PART_TYPES) {
        router.post(`${BASE}/confirm-method/${type}`, account(), (ctx) =>
          show(ctx, deps, accountOf(ctx), nextOf(ctx), { status: 200, resend: type }),
        );
      }
      router.post(`${BASE}/confirm-method`, account(), (ctx) => confirm(ctx, deps));
    },
  };
}
