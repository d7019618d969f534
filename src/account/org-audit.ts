// A5: the owner's audit log on /account/organizations/:id — filters (action, member, days), a
// cursor for older pages, the viewer's time zone (?tz=, remembered in a cookie; default UTC), and
// CSV / JSON-lines export of the same selection (/audit.csv, /audit.jsonl).
import type { Context } from 'koa';
import { AUDIT_ACTIONS } from '../audit.ts';
import type { Translate } from '../i18n/index.ts';
import type { OrgAuditEntry, OrgAuditQuery, SystemOfRecord } from '../store/ports.ts';
import type { MembershipWithUser } from '../store/records.ts';
import { auditRows, cursorOf, dayStart, parseCursor, TZ_COOKIE, validTimeZone } from './audit-view.ts';

const PAGE_SIZE = 50;
const EXPORT_LIMIT = 50_000;

export { AUDIT_ACTIONS };

const one = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The viewer's time zone: ?tz= (then remembered), the cookie, else UTC. */
export function timeZoneOf(ctx: Context): { tz: string; chosen: boolean } {
  const asked = validTimeZone(one(ctx.query.tz));
  if (asked) {
    ctx.cookies.set(TZ_COOKIE, asked, { httpOnly: true, sameSite: 'lax', signed: false, overwrite: true });
    return { tz: asked, chosen: true };
  }
  const remembered = validTimeZone(ctx.cookies.get(TZ_COOKIE, { signed: false }));
  return remembered ? { tz: remembered, chosen: true } : { tz: 'UTC', chosen: false };
}

export interface AuditFilter {
  action: string;
  member: string;
  from: string;
  to: string;
}

function selection(ctx: Context, orgId: string, tz: string, members: MembershipWithUser[]) {
  const action = one(ctx.query.action) ?? '';
  const member = one(ctx.query.member) ?? '';
  const from = one(ctx.query.from) ?? '';
  const to = one(ctx.query.to) ?? '';
  const query: Omit<OrgAuditQuery, 'limit'> = { orgId };
  if ((AUDIT_ACTIONS as readonly string[]).includes(action)) query.action = action;
  if (members.some((m) => m.userId === member)) query.memberId = member;
  const start = dayStart(from, tz);
  const end = dayStart(to, tz, true);
  if (start) query.from = start;
  if (end) query.to = end;
  const filter: AuditFilter = {
    action: query.action ?? '',
    member: query.memberId ?? '',
    from: start ? from : '',
    to: end ? to : '',
  };
  return { query, filter };
}

const params = (f: AuditFilter, extra: Record<string, string> = {}) =>
  new URLSearchParams(
    Object.entries({ ...f, ...extra }).filter(([, v]) => v !== '') as [string, string][],
  ).toString();

/** What the page shows for the owner. */
export async function auditSection(
  ctx: Context,
  sor: SystemOfRecord,
  orgId: string,
  members: MembershipWithUser[],
) {
  const t = ctx.state.t as Translate;
  const { tz, chosen } = timeZoneOf(ctx);
  const { query, filter } = selection(ctx, orgId, tz, members);
  const before = parseCursor(ctx.query.before);
  const events = await sor.listOrgAudit({ ...query, ...(before ? { before } : {}), limit: PAGE_SIZE + 1 });
  const page = events.slice(0, PAGE_SIZE);
  const last = page[page.length - 1];
  const base = `/account/organizations/${orgId}`;
  return {
    tz,
    tzChosen: chosen,
    filter,
    actions: AUDIT_ACTIONS.map((a) => ({ value: a, label: t(`audit.action.${a}`) })),
    members: members.map((m) => ({ value: m.userId, label: m.user.email })),
    rows: auditRows(t, ctx.state.locale as string, tz, page),
    older:
      events.length > PAGE_SIZE && last
        ? `${base}?${params(filter, { before: cursorOf(last) })}#audit`
        : null,
    csv: `${base}/audit.csv?${params(filter)}`,
    jsonl: `${base}/audit.jsonl?${params(filter)}`,
  };
}

function csvField(value: string): string {
  // RFC 4180 quoting; a leading = + - @ is prefixed so a spreadsheet never runs it as a formula.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** GET …/audit.csv and …/audit.jsonl: every event of the selection, newest first. */
export async function exportAudit(
  ctx: Context,
  sor: SystemOfRecord,
  orgId: string,
  members: MembershipWithUser[],
  format: 'csv' | 'jsonl',
): Promise<void> {
  const t = ctx.state.t as Translate;
  const { tz } = timeZoneOf(ctx);
  const { query } = selection(ctx, orgId, tz, members);
  const events: OrgAuditEntry[] = await sor.listOrgAudit({ ...query, limit: EXPORT_LIMIT });
  const rows = auditRows(t, ctx.state.locale as string, tz, events);
  ctx.set('content-disposition', `attachment; filename="audit-${orgId}.${format}"`);
  ctx.set('cache-control', 'no-store');
  if (format === 'jsonl') {
    ctx.type = 'application/jsonl; charset=utf-8';
    ctx.body = rows
      .map((r, i) => {
        const { iso, at, action, ...rest } = r;
        const line = {
          at: iso,
          localTime: at,
          timeZone: tz,
          action: events[i]?.action,
          actionText: action,
          ...rest,
        };
        return `${JSON.stringify(line)}\n`;
      })
      .join('');
    return;
  }
  ctx.type = 'text/csv; charset=utf-8';
  const header = ['time_utc', `time_${tz}`, 'actor', 'action', 'target', 'ip', 'details'];
  const lines = rows.map((r) =>
    [r.iso, r.at, r.actor, r.action, r.target, r.ip, r.details].map(csvField).join(','),
  );
  ctx.body = `${[header.join(','), ...lines].join('\r\n')}\r\n`;
}
