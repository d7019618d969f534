// G2, G3, G4 (and issue 16's SMS country): the owner's rollout settings on the organization page — the enforcement date (with
// its countdown and how many members still have no method), the allowed methods (checkboxes from
// the factor registry) and how many days a device may be remembered. Each is audited as
// org.policy_changed; the preview (G1) shows the effect.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { audit } from '../audit.ts';
import type { Config } from '../config/index.ts';
import {
  allowableMethods,
  checkAllowedMethods,
  checkEnforcementDate,
  checkRememberDays,
  checkSmsCountry,
} from '../core/rollout-settings.ts';
import { forbidden, HttpError } from '../http/errors.ts';
import { readForm } from '../http/form.ts';
import type { Services } from '../services.ts';
import type { Organization } from '../store/records.ts';
import type { OrgRoutes } from './org-member.ts';
import type { AccountSession } from './session.ts';

/** What the page's rollout section shows (owners only). */
export function rolloutSection(
  org: Organization,
  withoutMfa: number,
  limits: Pick<Config['mfa'], 'maxGraceDays' | 'rememberDeviceMaxDays'>,
  smsCountries: ReadonlyArray<{ code: string; name: string }> = [],
  now = Date.now(),
) {
  const until = org.mfaEnforcedFrom && org.mfaEnforcedFrom.getTime() > now ? org.mfaEnforcedFrom : null;
  return {
    maxGraceDays: limits.maxGraceDays,
    // G4: the allowance in days (0: off) and the server's maximum.
    remember: { days: org.rememberDeviceDays ?? 0, max: limits.rememberDeviceMaxDays },
    date: org.mfaEnforcedFrom?.toISOString().slice(0, 10) ?? '',
    countdown: until
      ? {
          days: Math.floor((until.getTime() - now) / 86_400_000),
          iso: until.toISOString(),
          count: withoutMfa,
        }
      : null,
    // Issue 16 item 5: the country members' phone numbers start with ('' = the browser's language).
    sms: { country: org.smsDefaultCountry ?? '', countries: smsCountries },
    methods: allowableMethods().map((type) => ({
      type,
      checked: !org.allowedMethods || org.allowedMethods.includes(type),
    })),
  };
}

export function orgRolloutSettingsRoutes(
  router: Router,
  services: Services,
  { context, account }: OrgRoutes,
): void {
  const { sor, config } = services;
  async function save(
    ctx: Context,
    c: { s: AccountSession; org: Organization },
    patch: Parameters<typeof sor.updateOrg>[1],
    details: Record<string, unknown>,
  ) {
    await sor.transaction(async (tx) => {
      await tx.updateOrg(c.org.id, patch);
      await audit(
        tx,
        { actorUserId: c.s.state.user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') },
        'org.policy_changed',
        { orgId: c.org.id },
        details,
      );
    });
    ctx.status = 303;
    ctx.redirect(`/account/organizations/${c.org.id}`);
  }

  router.post('/account/organizations/:id/enforcement-date', account(), async (ctx) => {
    const c = context(ctx);
    const form = readForm(ctx, {
      date: { maxLength: 10, optional: true },
      clear: { maxLength: 3, optional: true },
    });
    if (c.role !== 'owner') throw forbidden();
    const date = form.clear || !form.date ? null : new Date(`${form.date}T00:00:00Z`);
    if (date && (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}$/.test(form.date)))
      throw new HttpError(400, 'error.bad_request');
    const refused = checkEnforcementDate(date, Date.now(), config.mfa.maxGraceDays);
    if (refused) throw new HttpError(400, refused.key, { days: refused.days ?? 0 });
    await save(ctx, c, { mfaEnforcedFrom: date }, { mfaEnforcedFrom: date?.toISOString() ?? null });
  });

  const fields = Object.fromEntries(
    allowableMethods().map((f) => [`method_${f}`, { maxLength: 3, optional: true }]),
  );
  router.post('/account/organizations/:id/allowed-methods', account(), async (ctx) => {
    const c = context(ctx);
    const form = readForm(ctx, fields) as Record<string, string | undefined>;
    if (c.role !== 'owner') throw forbidden();
    const chosen = allowableMethods().filter((f) => form[`method_${f}`]);
    const checked = checkAllowedMethods(chosen);
    if (!checked.ok) throw new HttpError(400, checked.error.key);
    await save(ctx, c, { allowedMethods: checked.value }, { allowedMethods: checked.value });
  });

  // Issue 16 item 5: the default country of members' phone numbers (SMS), or none ('').
  router.post('/account/organizations/:id/sms-country', account(), async (ctx) => {
    const c = context(ctx);
    const form = readForm(ctx, { country: { maxLength: 2, optional: true } });
    if (c.role !== 'owner') throw forbidden();
    const country = checkSmsCountry(form.country, config.sms.blockedCountries);
    if (country === undefined) throw new HttpError(400, 'org.sms_country_invalid');
    await save(ctx, c, { smsDefaultCountry: country }, { smsDefaultCountry: country });
  });

  // G4: 0 turns it off; the page's number field is bounded by REMEMBER_DEVICE_MAX_DAYS.
  router.post('/account/organizations/:id/remember-devices', account(), async (ctx) => {
    const c = context(ctx);
    const form = readForm(ctx, { days: { maxLength: 3 } });
    if (c.role !== 'owner') throw forbidden();
    if (!/^\d{1,3}$/.test(form.days)) throw new HttpError(400, 'error.bad_request');
    const days = Number(form.days);
    const refused = checkRememberDays(days, config.mfa.rememberDeviceMaxDays);
    if (refused) throw new HttpError(400, refused.key, { days: refused.days ?? 0 });
    await save(ctx, c, { rememberDeviceDays: days }, { rememberDeviceDays: days });
  });
}
