// Renders an ejs page inside views/layout.ejs. ejs 7 ignores locals inherited through prototypes,
// so every local is copied into a plain object.
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import type { Context } from 'koa';
import { brandingView } from '../branding/resolve.ts';
import type { Locale, Translate } from '../i18n/index.ts';
import { localeOf } from './locale.ts';
import { sameOriginPath } from './origin.ts';
import { pageCsp } from './security-headers.ts';

const viewsDir = fileURLToPath(new URL('../../views/', import.meta.url));

export interface PageLocals {
  title: string;
  [key: string]: unknown;
}

/** V4: built from the path only, always a same-origin path (never `//host` or `/\host`). */
function langSwitchHref(ctx: Context, locale: Locale): string {
  const other = locale === 'en' ? 'ja' : 'en';
  const query = new URLSearchParams(ctx.querystring);
  query.set('lang', other);
  // A POST's URL may not be GET-able; point the switch at a page that is.
  return ctx.method === 'GET' ? `${sameOriginPath(ctx.path)}?${query}` : `?lang=${other}`;
}

export async function renderPage(
  ctx: Context,
  view: string,
  locals: PageLocals,
  status = 200,
): Promise<void> {
  // An error page may be rendered before the locale middleware ran (src/http/error-handler.ts).
  const early = ctx.state as Partial<{ locale: Locale; t: Translate }>;
  const { locale, t } = early.t && early.locale ? { locale: early.locale, t: early.t } : localeOf(ctx);
  // X9; E2: a host's brand (src/extension/pages.ts) where Deadbolt is mounted.
  const branding = ctx.state.pageBrand ?? brandingView(ctx.state.branding);
  const data = { ...locals, t, locale, langSwitch: langSwitchHref(ctx, locale), branding };
  // A page in a factor's folder (views/factors/<type>/) includes shared partials and other factors'
  // parts by their path under views/ (looked up there when not found next to the page).
  const options = { async: true as const, cache: true, views: [viewsDir] };
  const body = await ejs.renderFile(`${viewsDir}${view}.ejs`, data, options);
  const html = await ejs.renderFile(`${viewsDir}layout.ejs`, { ...data, body }, { async: true, cache: true });
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('cache-control', 'no-store');
  ctx.set('content-security-policy', pageCsp(ctx)); // I6: with form-action
  ctx.body = html;
}
