// U4: the reset link's page (/recover/reset, ./recovery.ts mails it). Setting the new password never
// signs anyone in and never lowers MFA: a user with any enrolled method (locked ones too, V1) passes
// a second factor through mfa.verify (attempt limits; the factors' parts of the form from
// src/mfa/proof-form.ts) *before* the password changes; then every session and grant ends (V3),
// the reset is audited and mailed (U6), and the person is sent to the sign-in, which asks the
// second factor as before.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { audit } from '../audit.ts';
import { hashPassword } from '../crypto/password.ts';
import { HttpError } from '../http/errors.ts';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import type { ProofDeps, ProofMode } from '../mfa/pages.ts';
import {
  PROOF_PART_TYPES,
  proofFlash,
  proofMethod,
  proofParts,
  quiet,
  withActions,
} from '../mfa/proof-form.ts';
import { refusalError } from '../mfa/refusal.ts';
import type { UserMfaState } from '../mfa/service.ts';
import type { FactorType } from '../store/records.ts';
import { checkNewPassword, PASSWORD_MIN_LENGTH } from './password-policy.ts';
import type { RecoveryTokens } from './recovery-tokens.ts';

const PATH = '/recover/reset';

/** The flow a code sent for this link belongs to (it works here only). */
const proofFlow = (hash: string) => `recover:${hash}`;

/** The link is unknown, used or expired. */
const invalid = (ctx: Context) =>
  renderPage(
    ctx,
    'recover-done',
    {
      title: ctx.state.t('recover.title'),
      heading: ctx.state.t('recover.title'),
      invalid: true,
      message: ctx.state.t('recover.invalid'),
      href: '/recover',
      linkText: ctx.state.t('recover.again'),
    },
    410,
  );

interface Link {
  token: string;
  hash: string;
  state: UserMfaState;
}

interface Shown {
  error?: string | null;
  status?: number;
  mode?: ProofMode;
  resend?: FactorType;
  /** After a refusal: the parts still know what was sent, without saying it again. */
  again?: boolean;
  /** Only the page: the factors' parts left out (a refusal before the second factor). */
  bare?: boolean;
}

async function resetPage(ctx: Context, deps: ProofDeps, link: Link, opts: Shown = {}) {
  const { state } = link;
  const found = opts.bare
    ? []
    : await proofParts(ctx, deps, state, proofFlow(link.hash), opts.mode ?? 'status', opts.resend);
  const parts = opts.again ? quiet(found) : found;
  const said = proofFlash(parts);
  await renderPage(
    ctx,
    'recover-reset',
    {
      title: ctx.state.t('recover.title'),
      email: state.user.email,
      token: link.token,
      needsCode: state.enrolled.length > 0,
      // V1: every enrolled method locked → no way past the lock here.
      locked: state.enrolled.length > 0 && state.usable.length === 0,
      min: PASSWORD_MIN_LENGTH,
      proof: withActions(parts, (type) => `${PATH}/${type}`),
      hidden: [{ name: 'token', value: link.token }],
      notice: said.notice ?? null,
      error: opts.error ?? said.error ?? null,
    },
    said.status ?? opts.status ?? 200,
  );
}

/** The link's user, or undefined (unknown, used or expired link). */
async function linkOf(deps: ProofDeps, tokens: RecoveryTokens, token: string): Promise<Link | undefined> {
  const found = await tokens.find(token);
  const state = found && (await deps.mfa.load(found.userId));
  return found && state ? { token, hash: found.hash, state } : undefined;
}

/** The second factor of a user with an enrolled method; false: the refusal was shown. */
async function proved(ctx: Context, deps: ProofDeps, link: Link, f: Record<string, string>) {
  const { mfa } = deps;
  const { state } = link;
  const t = ctx.state.t;
  if (state.enrolled.length === 0) return true;
  if (state.usable.length === 0) {
    await resetPage(ctx, deps, link, { status: 403, bare: true });
    return false;
  }
  const code = f.code.normalize('NFKC');
  const type = proofMethod(state, code, f.method);
  const who = { actorUserId: state.user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') };
  const outcome = await mfa.verify(state, type, code, proofFlow(link.hash), who);
  if (outcome.ok) return true;
  const message = outcome.error === 'locked' ? t('recover.locked') : refusalError(t, type, outcome);
  const fresh = await mfa.load(state.user.id);
  if (!fresh) throw new HttpError(410, 'recover.invalid');
  const status = outcome.error === 'rate_limited' ? 429 : 401;
  await resetPage(ctx, deps, { ...link, state: fresh }, { error: message, status, again: true });
  return false;
}

async function reset(ctx: Context, deps: ProofDeps, tokens: RecoveryTokens) {
  const t = ctx.state.t;
  const f = readForm(ctx, {
    token: { maxLength: 64 },
    username: { maxLength: 254, optional: true },
    password: { maxLength: 4096 },
    code: { maxLength: 64, optional: true },
    method: { maxLength: 20, optional: true },
  });
  const link = await linkOf(deps, tokens, f.token);
  if (!link) return invalid(ctx);
  const { state } = link;
  const problem = checkNewPassword(f.password, state.user.email);
  if (problem)
    return resetPage(ctx, deps, link, { error: t(problem.key, problem.params), status: 400, bare: true });
  if (!(await proved(ctx, deps, link, f))) return;
  // Single use: only the request that takes the token resets the password.
  if ((await tokens.consume(f.token)) !== state.user.id) return invalid(ctx);
  const hash = await hashPassword(f.password);
  const who = { actorUserId: state.user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') };
  await deps.services.sor.transaction(async (tx) => {
    await tx.setPasswordHash(state.user.id, hash);
    await audit(tx, who, 'password.reset', { userId: state.user.id });
  });
  await deps.mfa.sessions.endEverything(state.user.id); // V3: no session survives, none is created
  await renderPage(ctx, 'recover-done', {
    title: t('recover.done_title'),
    heading: t('recover.done_title'),
    invalid: false,
    message: t('recover.done'),
    href: '/account/login',
    linkText: t('recover.sign_in'),
  });
}

export function recoveryResetRoutes(router: Router, deps: ProofDeps, tokens: RecoveryTokens): void {
  router.get(PATH, async (ctx) => {
    const link = await linkOf(deps, tokens, typeof ctx.query.token === 'string' ? ctx.query.token : '');
    if (!link) return invalid(ctx);
    // A factor may send its code as the page opens (SMS, for an SMS-only user; once per link).
    await resetPage(ctx, deps, link, { mode: 'open' });
  });

  for (const type of PROOF_PART_TYPES) {
    router.post(`${PATH}/${type}`, async (ctx) => {
      const f = readForm(ctx, { token: { maxLength: 64 } });
      const link = await linkOf(deps, tokens, f.token);
      if (!link) return invalid(ctx);
      await resetPage(ctx, deps, link, { resend: type });
    });
  }

  router.post(PATH, (ctx) => reset(ctx, deps, tokens));
}
