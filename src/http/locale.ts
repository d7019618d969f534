// Locale per request (X3): ?lang= (remembered in a cookie), then the cookie, then Accept-Language.
import type { Context, Next } from 'koa';
import { isLocale, type Locale, negotiateLocale, type Translate, translator } from '../i18n/index.ts';
import { requestLocale } from '../i18n/request-locale.ts';

export const LANG_COOKIE = 'deadbolt_lang';

export interface LocaleState {
  locale: Locale;
  t: Translate;
}

export function localeOf(ctx: Context): LocaleState {
  const fromQuery = ctx.query.lang;
  if (isLocale(fromQuery)) {
    ctx.cookies.set(LANG_COOKIE, fromQuery, {
      httpOnly: true,
      sameSite: 'lax',
      signed: false,
      overwrite: true,
    });
  }
  const locale = negotiateLocale(
    isLocale(fromQuery) ? fromQuery : ctx.cookies.get(LANG_COOKIE, { signed: false }),
    ctx.get('accept-language'),
  );
  return { locale, t: translator(locale) };
}

export async function localeMiddleware(ctx: Context, next: Next): Promise<void> {
  const state = localeOf(ctx);
  ctx.state.locale = state.locale;
  ctx.state.t = state.t;
  await requestLocale.run(state.locale, next); // U6: notices mailed for this request use it
}
