// Hosted-page strings in English and Japanese (X3), shared ones here and each factor's in its folder. The Japanese wording of the MFA messages is
// taken from the seed help article (shared/seed).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { IntlMessageFormat } from 'intl-messageformat';

export type Locale = 'en' | 'ja';
export const LOCALES: readonly Locale[] = ['en', 'ja'];

type Catalog = Record<string, string>;
const read = (url: URL): Catalog => JSON.parse(readFileSync(url, 'utf8')) as Catalog;

/**
 * The shared strings (./en.json, ./ja.json) and each factor's own (issue 10: a factor's strings live
 * in its folder, src/mfa/<folder>/i18n/<locale>.json). A key defined twice is a mistake: it fails
 * at start, naming the key and the files.
 */
function load(name: Locale): Catalog {
  const catalog = read(new URL(`./${name}.json`, import.meta.url));
  const factors = new URL('../mfa/', import.meta.url);
  for (const entry of readdirSync(factors, { withFileTypes: true })) {
    const file = new URL(`${entry.name}/i18n/${name}.json`, factors);
    if (!entry.isDirectory() || !existsSync(file)) continue;
    for (const [key, text] of Object.entries(read(file))) {
      if (key in catalog)
        throw new Error(`i18n: "${key}" is defined twice (src/mfa/${entry.name}/i18n/${name}.json)`);
      catalog[key] = text;
    }
  }
  return catalog;
}
const catalogs: Record<Locale, Catalog> = { en: load('en'), ja: load('ja') };

export type Translate = (key: string, params?: Record<string, string | number>) => string;

// Item 6 of issue 16: messages with counts are ICU MessageFormat (`{count, plural, one {…} other
// {…}}`), formatted by intl-messageformat with the locale's plural rules. Compiled once per key.
const compiled = new Map<string, IntlMessageFormat>();
const ICU = /\{\s*\w+\s*,\s*(plural|select|selectordinal|number)\b/;

function formatIcu(locale: Locale, key: string, template: string, params: Record<string, string | number>) {
  const id = `${locale}\u0000${key}`;
  let message = compiled.get(id);
  if (!message) {
    message = new IntlMessageFormat(template, locale, undefined, { ignoreTag: true });
    compiled.set(id, message);
  }
  return String(message.format(params));
}

export function translator(locale: Locale): Translate {
  const catalog = catalogs[locale];
  return (key, params) => {
    const own = catalog[key];
    const template = own ?? catalogs.en[key] ?? key;
    if (!params) return template;
    if (ICU.test(template)) return formatIcu(own === undefined ? 'en' : locale, key, template, params);
    return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
  };
}

export function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'ja';
}

/** Picks a locale: explicit choice (query or cookie) first, then Accept-Language q-values. */
export function negotiateLocale(explicit: unknown, acceptLanguage: string | undefined): Locale {
  if (isLocale(explicit)) return explicit;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .slice(0, 20)
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { tag: tag.trim().toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    const base = tag.split('-')[0];
    if (isLocale(base)) return base;
  }
  return 'en';
}

/** Both catalogs, for the test that every key exists in both languages. */
export const catalogsForTest = catalogs;
