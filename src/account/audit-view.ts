// A5: the owner's audit log in words — local time in the viewer's time zone (formatted here, no
// script needed), the actor ("support (jo)", a member's e-mail, "API client X"), the action and
// its details through i18n keys (audit.action.*, audit.detail.*), never raw JSON.
import type { Translate } from '../i18n/index.ts';
import type { OrgAuditEntry } from '../store/ports.ts';

export const TZ_COOKIE = 'deadbolt_tz';

/** An IANA time zone Intl knows (e.g. "Asia/Tokyo"), or undefined. */
export function validTimeZone(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return undefined;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The offset of `timeZone` from UTC at `at`, in ms. */
function offsetMs(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return local - Math.floor(at.getTime() / 1000) * 1000;
}

/** Midnight starting the day YYYY-MM-DD in `timeZone` (+1 day with `next`), or undefined. */
export function dayStart(day: unknown, timeZone: string, next = false): Date | undefined {
  if (typeof day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const utc = Date.UTC(y, m - 1, d + (next ? 1 : 0));
  if (Number.isNaN(utc)) return undefined;
  const guess = new Date(utc - offsetMs(new Date(utc), timeZone));
  return new Date(utc - offsetMs(guess, timeZone));
}

function words(t: Translate, value: unknown): string {
  if (typeof value === 'boolean') return t(value ? 'org.on' : 'org.off');
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  if (Array.isArray(value)) return value.map((v) => words(t, v)).join(', ');
  if (value && typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `${t(`factor.${k}`)} ${words(t, v)}`)
      .join(', ');
  return '';
}

/** A translation, or the fallback when the catalog has no such key. */
function maybe(
  t: Translate,
  key: string,
  fallback: string,
  params?: Record<string, string | number>,
): string {
  const text = t(key, params);
  return text === key ? fallback : text;
}

const VALUE_KEYS = new Set(['type', 'proof', 'method']);

/** Details in words: "Reason: ticket 12 · Removed: Authenticator app 1, Backup code 10". */
export function detailsInWords(t: Translate, details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([k, v]) => v !== null && v !== undefined && k !== 'factorId')
    .map(([k, v]) => {
      const label = maybe(t, `audit.detail.${k}`, k);
      const value = VALUE_KEYS.has(k) && typeof v === 'string' ? maybe(t, `factor.${v}`, v) : words(t, v);
      return `${label}: ${value}`;
    })
    .join(' · ');
}

export function actorInWords(t: Translate, e: OrgAuditEntry): string {
  if (e.actorEmail) return e.actorEmail;
  const label = e.actorLabel ?? '';
  if (label.startsWith('operator:'))
    return t('audit.actor.operator', { name: label.slice('operator:'.length) });
  if (label.startsWith('client:')) return t('audit.actor.client', { id: label.slice('client:'.length) });
  if (label.startsWith('cli')) return t('audit.actor.cli');
  return e.actorUserId ? t('audit.actor.deleted') : t('audit.actor.system');
}

export interface AuditRow {
  at: string;
  iso: string;
  actor: string;
  action: string;
  target: string;
  ip: string;
  details: string;
}

export function auditRows(
  t: Translate,
  locale: string,
  timeZone: string,
  events: OrgAuditEntry[],
): AuditRow[] {
  const format = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium', timeStyle: 'medium' });
  return events.map((e) => ({
    at: format.format(e.at),
    iso: e.at.toISOString(),
    actor: actorInWords(t, e),
    action: maybe(t, `audit.action.${e.action}`, e.action),
    target: e.targetEmail ?? '',
    ip: e.ip ?? '',
    details: detailsInWords(t, e.details),
  }));
}

/** The cursor of the next (older) page: the last entry's position. */
export const cursorOf = (e: OrgAuditEntry): string =>
  Buffer.from(`${e.at.toISOString()}|${e.seq}`).toString('base64url');

export function parseCursor(value: unknown): { at: Date; seq: number } | undefined {
  if (typeof value !== 'string' || value.length > 100) return undefined;
  const [iso, seq] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  const at = new Date(iso ?? '');
  if (Number.isNaN(at.getTime()) || !/^\d{1,18}$/.test(seq ?? '')) return undefined;
  return { at, seq: Number(seq) };
}
