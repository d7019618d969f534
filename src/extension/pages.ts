// E2: a host's look for Deadbolt's pages — its brand (name, logo, stylesheet) in the layout, and
// any string replaced per locale (ICU MessageFormat, like src/i18n/*.json and src/mfa/<folder>/i18n/).
import { IntlMessageFormat } from 'intl-messageformat';
import type { Context, Next } from 'koa';
import type { Locale, Translate } from '../i18n/index.ts';

export interface PagesOptions {
  /** Shown in the layout's header instead of "Deadbolt"; `logoUrl` and `stylesheetUrl` are the host's own URLs. */
  brand?: { name?: string; logoUrl?: string; stylesheetUrl?: string };
  /** Replacements of Deadbolt's strings (keys of src/i18n/en.json and the factors' src/mfa/<folder>/i18n/en.json), per locale. */
  strings?: Partial<Record<Locale, Record<string, string>>>;
}

function overriding(t: Translate, locale: Locale, own: Record<string, string>): Translate {
  const compiled = new Map<string, IntlMessageFormat>();
  return (key, params) => {
    const template = own[key];
    if (template === undefined) return t(key, params);
    let message = compiled.get(key);
    if (!message) {
      message = new IntlMessageFormat(template, locale, undefined, { ignoreTag: true });
      compiled.set(key, message);
    }
    return String(message.format(params));
  };
}

/** Runs after the locale middleware: the layout's brand and the host's strings for this request. */
export function pageOverrides(options: PagesOptions = {}) {
  const { brand, strings } = options;
  const view = brand && {
    name: brand.name ?? null,
    accent: null,
    logoUrl: brand.logoUrl ?? null,
    themeUrl: brand.stylesheetUrl ?? null,
  };
  return async (ctx: Context, next: Next) => {
    if (view) ctx.state.pageBrand = view;
    const own = strings?.[ctx.state.locale as Locale];
    if (own) ctx.state.t = overriding(ctx.state.t, ctx.state.locale, own);
    await next();
  };
}
