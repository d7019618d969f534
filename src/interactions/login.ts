// The password step (L1): e-mail + password, one generic error, attempts limited per account
// (failed attempts) and per IP (every attempt).
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import { checkPassword, normalizeEmail } from '../account/credentials.ts';
import { authTimeFor } from '../core/sessions.ts';
import { HttpError } from '../http/errors.ts';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import { ACR_PASSWORD } from '../oidc/acr.ts';
import type { SignInResult } from '../ops/metrics.ts';
import type { Services } from '../services.ts';
import { beginAttempt, checkWith } from '../store/attempt.ts';
import type { User } from '../store/records.ts';
import { clientNameOf, loadInteraction } from './load.ts';
import type { LoginLimits } from './login-limits.ts';

/**
 * Extensions of the e-mail/password step (enterprise SSO uses them, src/sso/routes.ts). Each hook
 * that answers the request itself returns true; the sign-in then stops there.
 */
export interface LoginHooks {
  /**
   * Before the sign-in page is shown (GET): may answer instead, e.g. a re-authentication of an SSO
   * user sent back to their organization's SSO (F2).
   */
  show?(ctx: Context, details: Interaction): Promise<boolean>;
  /**
   * Extra locals for the sign-in page (e.g. the SSO button). `parts` (every hook's, in order) are
   * partials under views/ drawn under the form, each `{ view, autocomplete?, … }` getting itself as
   * `part` (e.g. a factor's sign-in button, views/factors/passkey/signin.ejs); `autocomplete` is a
   * token the e-mail field's autocomplete gets too.
   */
  page?(ctx: Context, details: Interaction): Promise<Record<string, unknown>>;
  /**
   * Before the password is checked: with an empty password (the e-mail step, L1) or, after the
   * per-IP limit, with one.
   */
  beforePassword?(
    ctx: Context,
    details: Interaction,
    form: { email: string; password: string },
  ): Promise<boolean>;
  /** After a correct password, before the sign-in finishes (e.g. to refuse it). */
  afterPassword?(ctx: Context, details: Interaction, user: User, email: string): Promise<boolean>;
}

export async function showLogin(
  ctx: Context,
  provider: Provider,
  details: Interaction,
  opts: {
    error?: string;
    notice?: string;
    email?: string;
    status?: number;
    hooks?: LoginHooks[];
    /** Locals that override the hooks' (e.g. an SSO button naming the organization). */
    locals?: Record<string, unknown>;
  } = {},
): Promise<void> {
  const t = ctx.state.t;
  const extra: Record<string, unknown> = {};
  const parts: unknown[] = [];
  for (const h of opts.hooks ?? []) {
    const { parts: more, ...locals } = (await h.page?.(ctx, details)) ?? {};
    Object.assign(extra, locals);
    if (Array.isArray(more)) parts.push(...more);
  }
  await renderPage(
    ctx,
    'login',
    {
      title: t('login.title'),
      clientName: await clientNameOf(provider, details.params.client_id),
      action: `/interaction/${details.uid}/login`,
      abortHref: `/interaction/${details.uid}/abort`,
      error: opts.error ?? null,
      notice: opts.notice ?? null,
      email: opts.email ?? (typeof details.params.login_hint === 'string' ? details.params.login_hint : ''),
      sso: null,
      parts,
      ...extra,
      ...opts.locals,
    },
    opts.status,
  );
}

export async function submitLogin(
  ctx: Context,
  provider: Provider,
  services: Services,
  limits: LoginLimits,
  hooks: LoginHooks[] = [],
): Promise<void> {
  const t = ctx.state.t;
  const details = await loadInteraction(ctx, provider, 'login');
  const form = await passwordForm(ctx, provider, details, hooks);
  if (!form) return;
  const again = (error: string, status: number) =>
    showLogin(ctx, provider, details, { error, email: form.email, status, hooks });
  const account = normalizeEmail(form.email);

  // V2: the attempt counts (per IP: every attempt; per account: failures) before the password is
  // checked, so parallel guesses check at most the per-account limit.
  const attempt = await beginAttempt([
    { limiter: limits.perIp, key: ctx.ip, counts: 'requests' },
    { limiter: limits.perAccount, key: account, counts: 'failures-in-a-row' },
  ]);
  const signIn = (result: SignInResult) => services.metrics.signIns.inc({ method: 'password', result });
  if (!attempt.allowed) {
    signIn('rate_limited');
    ctx.set('retry-after', String(attempt.retryAfterSeconds));
    const minutes = Math.max(1, Math.ceil(attempt.retryAfterSeconds / 60));
    return again(t('login.rate_limited', { minutes }), 429);
  }
  for (const h of hooks) {
    if (await checkWith(attempt, async () => h.beforePassword?.(ctx, details, form))) {
      await attempt.cancel(); // e.g. sent to the organization's SSO: no password was checked
      return;
    }
  }

  const startedAt = Date.now(); // V3: before the user is read
  const user = await checkWith(attempt, () => checkPassword(services.sor, form.email, form.password));
  if (!user) {
    signIn('wrong_password');
    services.logger.info({ event: 'login.failed', interaction: details.uid }, 'password sign-in failed');
    return again(t('login.invalid'), 401);
  }
  // The limits' reset and the hooks (e.g. forgetting a recovery link) in one round trip (issue 18).
  const succeeded = attempt.succeed();
  let refused = false;
  try {
    for (const h of hooks) {
      refused = (await h.afterPassword?.(ctx, details, user, form.email)) === true;
      if (refused) break;
    }
  } finally {
    await succeeded;
  }
  if (refused) return signIn('refused');
  signIn('success');
  await finishLogin(ctx, provider, user, startedAt);
}

/**
 * The posted e-mail and password; without a password, the e-mail step (L1), where home-realm
 * discovery may send the person to their organization's SSO. Undefined once a page is shown.
 */
async function passwordForm(
  ctx: Context,
  provider: Provider,
  details: Interaction,
  hooks: LoginHooks[],
): Promise<{ email: string; password: string } | undefined> {
  const t = ctx.state.t;
  let form: { email: string; password: string };
  try {
    form = readForm(ctx, { email: { maxLength: 254 }, password: { maxLength: 1024, optional: true } });
  } catch (err) {
    if (err instanceof HttpError && err.status === 400) {
      await showLogin(ctx, provider, details, { error: t('login.missing'), status: 400, hooks });
      return undefined;
    }
    throw err;
  }
  if (form.password !== '') return form;
  for (const h of hooks) if (await h.beforePassword?.(ctx, details, form)) return undefined;
  await showLogin(ctx, provider, details, {
    error: t('login.missing'),
    email: form.email,
    status: 400,
    hooks,
  });
  return undefined;
}

async function finishLogin(ctx: Context, provider: Provider, user: User, startedAt: number): Promise<void> {
  const redirectTo = await provider.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId: user.id, amr: ['pwd'], acr: ACR_PASSWORD, ts: authTimeFor(user, startedAt) } },
    { mergeWithLastSubmission: false },
  );
  ctx.status = 303;
  ctx.redirect(redirectTo);
}
