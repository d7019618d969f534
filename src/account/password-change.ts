// U3: password change on the security page — the current password, plus a second factor where the
// user has one (the same mfa.verify as sign-in, with its attempt limits; the factors' parts of the
// form from src/mfa/proof-form.ts); the new password is checked (src/account/password-policy.ts),
// rehashed with argon2id, audited (`password.changed`, which also mails the notice, U6), and every
// other session and grant ends (V3).
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { audit } from '../audit.ts';
import { hashPassword } from '../crypto/password.ts';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import type { PageDeps, ProofMode } from '../mfa/pages.ts';
import {
  PROOF_PART_TYPES,
  proofFlash,
  proofMethod,
  proofParts,
  quiet,
  withActions,
} from '../mfa/proof-form.ts';
import { refusalError } from '../mfa/refusal.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import type { FactorType } from '../store/records.ts';
import { checkPassword } from './credentials.ts';
import { accountMiddleware, accountOf } from './middleware.ts';
import { checkNewPassword, PASSWORD_MIN_LENGTH } from './password-policy.ts';
import type { AccountSession } from './session.ts';

const PATH = '/account/security/password';

const who = (ctx: Context, s: AccountSession) => ({
  actorUserId: s.state.user.id,
  ip: ctx.ip,
  userAgent: ctx.get('user-agent'),
});
/** The flow a code sent for this page belongs to (it works here only). */
const proofFlow = (s: AccountSession) => `acct:${s.sessionUid}`;

interface Shown {
  error?: string | null;
  status?: number;
  mode?: ProofMode;
  resend?: FactorType;
  /** After a refusal: the parts still know what was sent, without saying it again. */
  again?: boolean;
}

async function show(ctx: Context, deps: PageDeps, s: AccountSession, opts: Shown = {}) {
  const found = await proofParts(ctx, deps, s.state, proofFlow(s), opts.mode ?? 'status', opts.resend);
  const parts = opts.again ? quiet(found) : found;
  const said = proofFlash(parts);
  await renderPage(
    ctx,
    'account-password',
    {
      title: ctx.state.t('security.password_change'),
      email: s.state.user.email,
      csrf: s.csrf,
      needsCode: s.state.enrolled.length > 0,
      min: PASSWORD_MIN_LENGTH,
      proof: withActions(parts, (type) => `${PATH}/${type}`),
      hidden: [{ name: 'csrf', value: s.csrf }],
      notice: said.notice ?? null,
      error: opts.error ?? said.error ?? null,
    },
    said.status ?? opts.status ?? 200,
  );
}

/** The page again after a refusal. */
const again = (ctx: Context, deps: PageDeps, s: AccountSession, error: string, status: number) =>
  show(ctx, deps, s, { error, status, again: true });

/** V2, U3: the current password (its attempt counted first), then the second factor; the refusal shown. */
async function proved(ctx: Context, deps: PageDeps, s: AccountSession, form: Record<string, string>) {
  const { mfa, services } = deps;
  const t = ctx.state.t;
  const attempt = await mfa.guard.begin(s.state.user.id, ctx.ip);
  if (!attempt.allowed) {
    const minutes = Math.ceil(attempt.retryAfterSeconds / 60);
    await again(ctx, deps, s, t('mfa.rate_limited', { minutes }), 429);
    return false;
  }
  if (!(await checkPassword(services.sor, s.state.user.email, form.current))) {
    await attempt.fail(undefined, who(ctx, s));
    await again(ctx, deps, s, t('security.password_wrong'), 401);
    return false;
  }
  await attempt.cancel();
  if (s.state.enrolled.length === 0) return true;
  // The second factor, through the sign-in's own check (attempt limits, lockout, V1).
  const code = form.code.normalize('NFKC');
  const type = proofMethod(s.state, code, form.method);
  const outcome = await mfa.verify(s.state, type, code, proofFlow(s), who(ctx, s));
  if (outcome.ok) return true;
  await again(ctx, deps, s, refusalError(t, type, outcome), outcome.error === 'rate_limited' ? 429 : 401);
  return false;
}

async function change(ctx: Context, deps: PageDeps) {
  const { mfa, services } = deps;
  const s = accountOf(ctx);
  const form = readForm(ctx, {
    username: { maxLength: 254, optional: true },
    current: { maxLength: 1024 },
    new: { maxLength: 4096 },
    code: { maxLength: 64, optional: true },
    method: { maxLength: 20, optional: true },
  });
  const problem = checkNewPassword(form.new, s.state.user.email);
  if (problem) return again(ctx, deps, s, ctx.state.t(problem.key, problem.params), 400);
  if (!(await proved(ctx, deps, s, form))) return;
  const hash = await hashPassword(form.new);
  await services.sor.transaction(async (tx) => {
    await tx.setPasswordHash(s.state.user.id, hash);
    await audit(tx, who(ctx, s), 'password.changed', { userId: s.state.user.id });
  });
  // V3: every other session, grant and token of the user ends; this one stays.
  await mfa.sessions.endEverything(s.state.user.id, { keep: s.sessionId });
  ctx.status = 303;
  ctx.redirect('/account/security?done=password');
}

export function passwordChangeRoutes(
  router: Router,
  provider: Provider,
  services: Services,
  mfa: MfaService,
) {
  const deps: PageDeps = { provider, services, mfa };
  const account = accountMiddleware(provider, mfa, services.config.cookieKeys[0]);
  // A factor may send its code as the page opens (SMS, for an SMS-only user; resend below).
  router.get(PATH, account(), (ctx) => show(ctx, deps, accountOf(ctx), { mode: 'open' }));
  for (const type of PROOF_PART_TYPES) {
    router.post(`${PATH}/${type}`, account(), (ctx) => show(ctx, deps, accountOf(ctx), { resend: type }));
  }
  router.post(PATH, account(), (ctx) => change(ctx, deps));
}
