// G5 (binding rule) on the security settings page: with a method enrolled, adding one needs, besides
// T1's password, a second factor completed within MFA_BINDING_WINDOW_SECONDS (src/mfa/binding.ts).
// Without one the page asks for it first ("Confirm with your current method"): a code from the
// authenticator app, a backup code, or a code texted to the user's phone (sent as the page opens
// for an SMS-only user, or on request), checked by mfa.verify (attempt limits apply, V2).
// Removing a method already needs a proof from a current method (M2), which records the binding too.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import { canProveWithCode, FIRST_ENROLLMENT } from '../mfa/page-registry.ts';
import type { BindingGate } from '../mfa/pages.ts';
import { refusalMessage } from '../mfa/refusal.ts';
import { isFactorType } from '../mfa/registry.ts';
import type { MfaService } from '../mfa/service.ts';
import { proofMethod, type SmsProofView, smsOnly, smsProof } from '../mfa/sms/pages/proof.ts';
import type { Services } from '../services.ts';
import type { FactorType } from '../store/records.ts';
import { type AccountMiddleware, accountOf } from './middleware.ts';
import type { AccountSession } from './session.ts';

const BASE = '/account/security';
type Next = FactorType;

/** The flow an SMS code sent for this confirmation belongs to (it works here only). */
const flowKey = (s: AccountSession) => `bind:${s.sessionUid}`;

export function createBindingGate(
  services: Services,
  mfa: MfaService,
  account: AccountMiddleware,
): BindingGate {
  async function show(
    ctx: Context,
    s: AccountSession,
    next: Next,
    opts: { error?: string | null; status: number; sms?: 'open' | 'resend' | 'status' },
  ) {
    const sms: SmsProofView = await smsProof(ctx, services, mfa, s.state, flowKey(s), opts.sms ?? 'status');
    // A code of a method (the app, with its backup codes; SMS); without one usable, sign in again.
    const canProve = canProveWithCode(s.state.usable);
    const action = canProve ? `${BASE}/confirm-method?next=${next}` : null;
    const title = ctx.state.t('binding.title');
    return renderPage(
      ctx,
      'binding-confirm',
      {
        title,
        action,
        smsAction: sms.phone ? `${BASE}/confirm-method/sms?next=${next}` : null,
        sms,
        csrf: s.csrf,
        error: opts.error ?? sms.error ?? null,
        notice: sms.notice ?? null,
      },
      sms.status ?? opts.status,
    );
  }

  const nextOf = (ctx: Context): Next => (isFactorType(ctx.query.next) ? ctx.query.next : FIRST_ENROLLMENT);

  return {
    /** True when the step may go on; otherwise the confirm form was shown. */
    async ensure(ctx: Context, s: AccountSession, next: Next): Promise<boolean> {
      if (s.state.enrolled.length === 0) return true; // a first method: nothing to bind to
      if (await mfa.binding.isFresh(s.sessionUid)) return true;
      const open = ctx.method === 'GET';
      // An SMS-only user gets the code as the page opens (once per session; resend on request).
      await show(ctx, s, next, {
        status: open ? 200 : 403,
        sms: open && smsOnly(s.state) ? 'open' : 'status',
      });
      return false;
    },

    routes(router: Router): void {
      router.post(`${BASE}/confirm-method/sms`, account(), (ctx) =>
        show(ctx, accountOf(ctx), nextOf(ctx), { status: 200, sms: 'resend' }),
      );

      router.post(`${BASE}/confirm-method`, account(), async (ctx) => {
        const next = nextOf(ctx);
        const s = accountOf(ctx);
        const form = readForm(ctx, { code: { maxLength: 64 }, method: { maxLength: 16, optional: true } });
        const t = ctx.state.t;
        const code = form.code.normalize('NFKC');
        const type = proofMethod(s.state, code, form.method);
        const who = { actorUserId: s.state.user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') };
        const outcome = await mfa.verify(s.state, type, code, flowKey(s), who);
        if (!outcome.ok) {
          const error = refusalMessage(t, type, outcome, mfa.maxFailuresPerWindow);
          return show(ctx, s, next, { error, status: outcome.error === 'rate_limited' ? 429 : 401 });
        }
        await mfa.binding.record(s.sessionUid);
        ctx.status = 303;
        ctx.redirect(`${BASE}/${next}`);
      });
    },
  };
}
