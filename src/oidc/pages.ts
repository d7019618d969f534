// Provider-rendered pages: errors (renderError) and RP-initiated logout, in our own layout.
import type { Context } from 'koa';
import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import { localeOf } from '../http/locale.ts';
import { renderPage } from '../http/render.ts';
import { StoreUnavailableError } from '../store/ports.ts';

function isUnavailable(error: unknown): boolean {
  for (let e = error; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof StoreUnavailableError) return true;
  }
  return false;
}

export async function renderError(ctx: KoaContextWithOIDC, out: ErrorOut, error: Error): Promise<void> {
  const c = ctx as unknown as Context;
  const { t } = localeOf(c);
  if (isUnavailable(error)) {
    // X2: a store is down; fail closed with 503, never a partial sign-in. Retry-After as on /token.
    c.set('retry-after', '5');
    await renderPage(
      c,
      'error',
      { title: t('error.title'), message: t('error.unavailable'), code: null },
      503,
    );
    return;
  }
  const status = ctx.status >= 400 && ctx.status < 500 ? ctx.status : 500;
  const message =
    out.error === 'invalid_request' && /interaction|session/i.test(out.error_description ?? '')
      ? t('error.interaction_expired')
      : status >= 500
        ? t('error.title')
        : t('error.oidc');
  await renderPage(c, 'error', { title: t('error.title'), message, code: out.error }, status);
}

export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const c = ctx as unknown as Context;
  const { t } = localeOf(c);
  // Issue 16 item 8: the question names the IdP and, when known, the application, not a URL.
  const client = ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId;
  const idp = t('app.name');
  const question = client ? t('logout.body_client', { idp, client }) : t('logout.body', { idp });
  await renderPage(c, 'logout', { title: t('logout.title'), form, question });
}

export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  const c = ctx as unknown as Context;
  const { t } = localeOf(c);
  await renderPage(c, 'logout-done', { title: t('logout.title') });
}
