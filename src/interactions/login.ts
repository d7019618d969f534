// The password step (L1): e-mail + password, one generic error, attempts limited per account
// (failed attempts) and per IP (every attempt).
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import { checkPassword, normalizeEmail } from '../account/credentials.ts';
import { HttpError } from '../http/errors.ts';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import type { Translate } from '../i18n/index.ts';
import { ACR_PASSWORD } from '../oidc/acr.ts';
import type { Services } from '../services.ts';
import { clientNameOf, loadInteraction } from './load.ts';
import type { LoginLimits } from './login-limits.ts';

export async function showLogin(
  ctx: Context,
  provider: Provider,
  details: Interaction,
  opts: { error?: string; email?: string; status?: number } = {},
): Promise<void> {
  const t = ctx.state.t as Translate;
  await renderPage(
    ctx,
    'login',
    {
      title: t('login.title'),
      clientName: await clientNameOf(provider, details.params.client_id),
      action: `/interaction/${details.uid}/login`,
      abortHref: `/interaction/${details.uid}/abort`,
      error: opts.error ?? null,
      email: opts.email ?? (typeof details.params.login_hint === 'string' ? details.params.login_hint : ''),
    },
    opts.status,
  );
}

export async function submitLogin(
  ctx: Context,
  provider: Provider,
  services: Services,
  limits: LoginLimits,
): Promise<void> {
  const t = ctx.state.t as Translate;
  const details = await loadInteraction(ctx, provider, 'login');
  let form: { email: string; password: string };
  try {
    form = readForm(ctx, { email: { maxLength: 254 }, password: { maxLength: 1024 } });
  } catch (err) {
    if (err instanceof HttpError && err.status === 400) {
      return showLogin(ctx, provider, details, { error: t('login.missing'), status: 400 });
    }
    throw err;
  }
  const account = normalizeEmail(form.email);
  const retry = (seconds: number) =>
    t('login.rate_limited', { minutes: Math.max(1, Math.ceil(seconds / 60)) });

  const byIp = await limits.perIp.consume(ctx.ip);
  if (!byIp.allowed) {
    ctx.set('retry-after', String(byIp.retryAfterSeconds));
    return showLogin(ctx, provider, details, {
      error: retry(byIp.retryAfterSeconds),
      email: form.email,
      status: 429,
    });
  }
  const byAccount = await limits.perAccount.peek(account);
  if (!byAccount.allowed) {
    ctx.set('retry-after', String(byAccount.retryAfterSeconds));
    return showLogin(ctx, provider, details, {
      error: retry(byAccount.retryAfterSeconds),
      email: form.email,
      status: 429,
    });
  }

  const user = await checkPassword(services.sor, form.email, form.password);
  if (!user) {
    await limits.perAccount.consume(account);
    services.logger.info({ event: 'login.failed', interaction: details.uid }, 'password sign-in failed');
    return showLogin(ctx, provider, details, { error: t('login.invalid'), email: form.email, status: 401 });
  }
  await limits.perAccount.reset(account);

  const redirectTo = await provider.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId: user.id, amr: ['pwd'], acr: ACR_PASSWORD, ts: Math.floor(Date.now() / 1000) } },
    { mergeWithLastSubmission: false },
  );
  ctx.status = 303;
  ctx.redirect(redirectTo);
}
