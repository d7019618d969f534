// Security notifications (U6; NIST SP 800-63B §6.1.2.1: a notice over an independent channel when
// an authenticator is bound or removed). `notify(userId, event, context)` mails the user what
// happened, when, from where and what to do if it was not them (a remembered device, G4, too). The
// audit hook (src/core/audit-hook.ts) calls `onAudit` for every committed audit event, so every
// path that audits a factor, MFA, password or policy change is covered. A send never blocks or
// undoes the change (it already happened): failures are logged only.
import type { Logger } from 'pino';
import { type Locale, translator } from '../i18n/index.ts';
import { requestLocale } from '../i18n/request-locale.ts';
import { describeBrowser, formatWhen } from '../mail/facts.ts';
import { type MailContent, renderMail } from '../mail/render.ts';
import type { MailService } from '../mail/service.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import type { NewAuditEvent } from '../store/records.ts';
import { withAuditHook } from './audit-hook.ts';

export type NotifyEvent =
  | 'factor.added'
  | 'factor.removed'
  | 'factor.locked'
  | 'mfa.reset'
  | 'password.changed'
  | 'password.reset'
  | 'device.remembered'
  | 'org.policy_changed';

export interface NotifyContext {
  at?: Date;
  ip?: string | null;
  userAgent?: string | null;
  /** Default: the current request's locale, else English (no locale is stored per user). */
  locale?: Locale;
  /** Values for the strings, e.g. `method` (an i18n key), `org`, `change` (an i18n key). */
  params?: Record<string, string | number>;
}

const KEYED_PARAMS = ['method', 'change', 'by'];

export function createNotifier(sor: SystemOfRecord, mail: MailService, logger: Logger) {
  const inFlight = new Set<Promise<void>>();
  /** Runs a send in the background, logged when it fails; `flush()` waits for it. */
  const track = (send: Promise<void>, failed: Record<string, unknown>) => {
    const p = send
      .catch((err: unknown) => {
        logger.error(
          { event: 'notify.failed', ...failed, error: (err as Error).message },
          'notification not sent',
        );
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    return p;
  };

  /** Sends in the background; `flush()` waits for every send still under way (CLI, shutdown). */
  function notify(userId: string, event: NotifyEvent, context: NotifyContext = {}): Promise<void> {
    const locale = context.locale ?? requestLocale.getStore();
    return track(sendNotice(sor, mail, userId, event, { ...context, locale }), {
      notify: { userId, kind: event },
    });
  }

  async function notifyOwners(orgId: string, context: NotifyContext): Promise<void> {
    const [org, members] = await Promise.all([sor.findOrgById(orgId), sor.listMembersOfOrg(orgId)]);
    if (!org) return;
    for (const m of members.filter((x) => x.role === 'owner')) {
      void notify(m.userId, 'org.policy_changed', {
        ...context,
        params: { ...context.params, org: org.name },
      });
    }
  }

  /** Maps a committed audit event to the notice it calls for, if any. */
  function onAudit(e: NewAuditEvent): void {
    void track(noticeFor(e, { sor, notify, notifyOwners }), { action: e.action });
  }

  async function flush(): Promise<void> {
    while (inFlight.size) await Promise.allSettled([...inFlight]);
  }

  return { notify, onAudit, flush };
}

async function sendNotice(
  sor: SystemOfRecord,
  mail: MailService,
  userId: string,
  event: NotifyEvent,
  context: NotifyContext,
): Promise<void> {
  const user = await sor.findUserById(userId);
  if (!user) return;
  const locale = context.locale ?? requestLocale.getStore() ?? 'en';
  const params = translateParams(locale, context.params ?? {});
  const facts: MailContent['facts'] = [
    { label: 'mail.fact.when', value: formatWhen(context.at ?? new Date(), locale) },
  ];
  if (context.ip) facts.push({ label: 'mail.fact.ip', value: context.ip });
  const browser = describeBrowser(context.userAgent);
  if (browser) facts.push({ label: 'mail.fact.browser', value: browser });
  const msg = await renderMail(user.email, locale, {
    subject: `mail.notify.${event}.subject`,
    paragraphs: [`mail.notify.${event}.body`, `mail.notify.${event}.not_you`],
    params,
    facts,
  });
  await mail.send(msg, { kind: `notify.${event}`, userId });
}

interface Notices {
  sor: SystemOfRecord;
  notify(userId: string, event: NotifyEvent, context?: NotifyContext): Promise<void>;
  notifyOwners(orgId: string, context: NotifyContext): Promise<void>;
}

/** The notice an audit event calls for (to the user it is about, or the organization's owners). */
async function noticeFor(e: NewAuditEvent, { sor, notify, notifyOwners }: Notices): Promise<void> {
  const context: NotifyContext = { at: e.at, ip: e.ip, userAgent: e.userAgent };
  const d = e.details as Record<string, unknown>;
  const method = typeof d.type === 'string' ? `factor.${d.type}` : 'mail.a_method';
  const user = e.targetUserId;
  if (e.action === 'factor.enrolled' && user)
    return void notify(user, 'factor.added', { ...context, params: { method } });
  if (e.action === 'factor.disabled' && user)
    return void notify(user, 'factor.removed', { ...context, params: { method } });
  if (e.action === 'factor.locked' && user) {
    const type = (await sor.listFactors(user)).find((f) => f.id === d.factorId)?.type;
    return void notify(user, 'factor.locked', {
      ...context,
      params: { method: type ? `factor.${type}` : 'mail.a_method' },
    });
  }
  if (e.action === 'mfa.reset' && user) {
    const by =
      d.via === 'cli' || d.via === 'host'
        ? 'mail.by.support'
        : d.via === 'admin-api'
          ? 'mail.by.admin_api'
          : 'mail.by.org_admin';
    return void notify(user, 'mfa.reset', { ...context, params: { by } });
  }
  if ((e.action === 'password.changed' || e.action === 'password.reset') && user) {
    return void notify(user, e.action, context);
  }
  if (e.action === 'device.remembered' && user && typeof d.days === 'number') {
    return void notify(user, 'device.remembered', { ...context, params: { days: d.days } });
  }
  const change = policyChange(d);
  if (e.orgId && change && ['org.policy_changed', 'org.updated', 'admin.org.updated'].includes(e.action)) {
    return notifyOwners(e.orgId, { ...context, params: { change } });
  }
}

/** The require-MFA switch or the plan changed: the i18n key saying which way. */
function policyChange(d: Record<string, unknown>): string | undefined {
  if (typeof d.requireMfaForAllUsers === 'boolean') {
    return d.requireMfaForAllUsers ? 'mail.change.require_mfa_on' : 'mail.change.require_mfa_off';
  }
  if (d.plan === 'paid' || d.plan === 'free') return `mail.change.plan_${d.plan}`;
  return undefined;
}

function translateParams(locale: Locale, params: Record<string, string | number>) {
  const t = translator(locale);
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [k, typeof v === 'string' && KEYED_PARAMS.includes(k) ? t(v) : v]),
  );
}

export type Notifier = ReturnType<typeof createNotifier>;

/** The system of record whose committed audit events are notified, and the notifier (U6). */
export function withNotifications(sor: SystemOfRecord, mail: MailService, logger: Logger) {
  const notifier = createNotifier(sor, mail, logger);
  return { sor: withAuditHook(sor, notifier.onAudit), notifier };
}
