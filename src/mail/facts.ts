// What a security notice says about the change (U6): when (in the reader's locale), from which
// address and which browser (from the user agent, parsed by bowser).
import Bowser from 'bowser';
import type { Locale } from '../i18n/index.ts';

/** e.g. "December 3, 2026 at 14:05:09 UTC" / "2026年12月3日 14:05:09 UTC". */
export function formatWhen(at: Date, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-US', {
    dateStyle: 'long',
    timeStyle: 'long',
    timeZone: 'UTC',
  }).format(at);
}

/** e.g. "Firefox 140 on Linux"; undefined when there is no user agent to read. */
export function describeBrowser(userAgent: string | null | undefined): string | undefined {
  if (!userAgent) return undefined;
  const { browser, os } = Bowser.parse(userAgent.slice(0, 512));
  const name = browser.name ? `${browser.name} ${browser.version?.split('.')[0] ?? ''}`.trim() : undefined;
  const parts = [name, os.name].filter(Boolean);
  return parts.length ? parts.join(' / ') : userAgent.slice(0, 80);
}
