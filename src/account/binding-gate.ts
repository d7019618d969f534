// G5 (binding rule) on the security settings page: with a method enrolled, adding one needs, besides
// T1's password, a second factor completed within MFA_BINDING_WINDOW_SECONDS (src/mfa/binding.ts).
// Without one the page asks for it first ("Confirm with your current method"): a code from the
// authenticator app or a backup code, checked by mfa.verify (attempt limits apply, V2).
// Removing a method already needs a proof from a current method (M2), which records the binding too.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import { normalizeBackupCode } from '../mfa/backup-codes/codes.ts';
import { refusalMessage } from '../mfa/refusal.ts';
import { isFactorType } from '../mfa/registry.ts';
import type { MfaService } from '../mfa/service.ts';
import type { FactorType } from '../store/records.ts';
import { type AccountSession, checkCsrf } from './session.ts';

const BASE = '/account/security';
type Next = FactorType;

export type BindingGate = ReturnType<typeof createBindingGate>;

export function createBindingGate(
  mfa: MfaService,
  signedIn: (ctx: Context) => Promise<AccountSession | undefined>,
) {
  function show(ctx: Context, s: AccountSession, next: Next, error: string | null, status: number) {
    // The form checks the app (or its backup codes); an SMS-only session must sign in again.
    const action = s.state.enrolled.includes('totp') ? `${BASE}/confirm-method?next=${next}` : null;
    const title = ctx.state.t('binding.title');
    return renderPage(ctx, 'binding-confirm', { title, action, csrf: s.csrf, error }, status);
  }

  return {
    /** True when the step may go on; otherwise the confirm form was shown. */
    async ensure(ctx: Context, s: AccountSession, next: Next): Promise<boolean> {
      if (s.state.enrolled.length === 0) return true; // a first method: nothing to bind to
      if (await mfa.binding.isFresh(s.sessionUid)) return true;
      await show(ctx, s, next, null, ctx.method === 'GET' ? 200 : 403);
      return false;
    },

    routes(router: Router): void {
      router.post(`${BASE}/confirm-method`, async (ctx) => {
        const next: Next = isFactorType(ctx.query.next) ? ctx.query.next : 'totp';
        const s = await signedIn(ctx);
        if (!s) return;
        const form = readForm(ctx, { csrf: { maxLength: 100 }, code: { maxLength: 64 } });
        checkCsrf(s, form.csrf);
        const t = ctx.state.t;
        const code = form.code.normalize('NFKC');
        const type = normalizeBackupCode(code) ? 'backup_code' : 'totp';
        const who = { actorUserId: s.state.user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') };
        const outcome = await mfa.verify(s.state, type, code, `acct:${s.sessionUid}`, who);
        if (!outcome.ok) {
          const message = refusalMessage(t, type, outcome, mfa.maxFailuresPerWindow);
          return show(ctx, s, next, message, outcome.error === 'rate_limited' ? 429 : 401);
        }
        await mfa.binding.record(s.sessionUid);
        ctx.status = 303;
        ctx.redirect(`${BASE}/${next}`);
      });
    },
  };
}
