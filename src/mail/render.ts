// Mail templates (U1): one text and one HTML template (views/mail/), filled with the same i18n
// strings (src/i18n/{en,ja}.json, keys `mail.*`), so both formats and both languages say the same.
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import type { Locale } from '../i18n/index.ts';
import { translator } from '../i18n/index.ts';
import type { MailMessage } from './mailer.ts';

const viewsDir = fileURLToPath(new URL('../../views/mail/', import.meta.url));

export interface MailContent {
  /** i18n key of the subject. */
  subject: string;
  /** i18n keys of the paragraphs, in order. */
  paragraphs: string[];
  /** Values for `{name}` placeholders in the strings. */
  params?: Record<string, string | number>;
  /** A button (HTML) / a line (text) with a link; the link may be a secret (never logged). */
  link?: { href: string; label: string };
  /** Labelled facts, e.g. when and from where (already formatted). */
  facts?: { label: string; value: string }[];
}

export async function renderMail(to: string, locale: Locale, content: MailContent): Promise<MailMessage> {
  const t = translator(locale);
  // ejs 7 ignores inherited locals: a plain object.
  const data = {
    locale,
    subject: t(content.subject, content.params),
    paragraphs: content.paragraphs.map((k) => t(k, content.params)),
    link: content.link ? { href: content.link.href, label: t(content.link.label, content.params) } : null,
    facts: (content.facts ?? []).map((f) => ({ label: t(f.label), value: f.value })),
    footer: t('mail.footer'),
  };
  const [text, html] = await Promise.all([
    ejs.renderFile(`${viewsDir}message.text.ejs`, data, {
      async: true,
      cache: true,
      escape: (s: unknown) => String(s ?? ''),
    }),
    ejs.renderFile(`${viewsDir}message.html.ejs`, data, { async: true, cache: true }),
  ]);
  return { to, subject: data.subject, text, html };
}
