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
import type { OrgMember, OrgRoutes } from './org-member.ts';

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

type Patch = Parameters<Services['sor']['updateOrg']>[1];

/** One setting's change read from its form: what the organization gets, and what the audit says. */
interface Change {
  patch: Patch;
  details: Record<string, unknown>;
}

/** A setting's form, read (the form first, then R1's owner check, then the value's rules). */
type Setting = (ctx: Context, c: OrgMember, config: Config) => Change;

const ownerOnly = (c: OrgMember) => {
  if (c.role !== 'owner') throw forbidden();
};

/** Both parts of the change: the organization's field and the audit's detail. */
const same = (patch: Patch): Change => ({ patch, details: patch as Record<string, unknown> });

/** G2: the enforcement date (or none), within MFA_MAX_GRACE_DAYS. */
const enforcementDate: Setting = (ctx, c, config) => {
  const form = readForm(ctx, {
    date: { maxLength: 10, optional: true },
    clear: { maxLength: 3, optional: true },
  });
  ownerOnly(c);
  const date = form.clear || !form.date ? null : new Date(`${form.date}T00:00:00Z`);
  if (date && (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}$/.test(form.date)))
    throw new HttpError(400, 'error.bad_request');
  const refused = checkEnforcementDate(date, Date.now(), config.mfa.maxGraceDays);
  if (refused) throw new HttpError(400, refused.key, { days: refused.days ?? 0 });
  return { patch: { mfaEnforcedFrom: date }, details: { mfaEnforcedFrom: date?.toISOString() ?? null } };
};

/** G3: the allowed methods (checkboxes from the factor registry). */
const allowedMethods: Setting = (ctx, c) => {
  const fields = Object.fromEntries(
    allowableMethods().map((f) => [`method_${f}`, { maxLength: 3, optional: true }]),
  );
  const form = readForm(ctx, fields) as Record<string, string | undefined>;
  ownerOnly(c);
  const chosen = allowableMethods().filter((f) => form[`method_${f}`]);
  const checked = checkAllowedMethods(chosen);
  if (!checked.ok) throw new HttpError(400, checked.error.key);
  return same({ allowedMethods: checked.value });
};

/** Issue 16 item 5: the default country of members' phone numbers, or none (''). */
const phoneCountry: Setting = (ctx, c, config) => {
  const form = readForm(ctx, { country: { maxLength: 2, optional: true } });
  ownerOnly(c);
  const country = checkSmsCountry(form.country, config.sms.blockedCountries);
  if (country === undefined) throw new HttpError(400, 'org.sms_country_invalid');
  return same({ smsDefaultCountry: country });
};

/** G4: 0 turns it off; the page's number field is bounded by REMEMBER_DEVICE_MAX_DAYS. */
const rememberDevices: Setting = (ctx, c, config) => {
  const form = readForm(ctx, { days: { maxLength: 3 } });
  ownerOnly(c);
  if (!/^\d{1,3}$/.test(form.days)) throw new HttpError(400, 'error.bad_request');
  const days = Number(form.days);
  const refused = checkRememberDays(days, config.mfa.rememberDeviceMaxDays);
  if (refused) throw new HttpError(400, refused.key, { days: refused.days ?? 0 });
  return same({ rememberDeviceDays: days });
};

/** Each setting's form, under /account/organizations/:id/. */
const SETTINGS: ReadonlyArray<[string, Setting]> = [
  ['enforcement-date', enforcementDate],
  ['allowed-methods', allowedMethods],
  ['sms-country', phoneCountry],
  ['remember-devices', rememberDevices],
];

/** Saved and audited as org.policy_changed; back to the organization page. */
async function save(ctx: Context, services: Services, c: OrgMember, change: Change) {
  await services.sor.transaction(async (tx) => {
    await tx.updateOrg(c.org.id, change.patch);
    await audit(
      tx,
      { actorUserId: c.s.state.user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') },
      'org.policy_changed',
      { orgId: c.org.id },
      change.details,
    );
  });
  ctx.status = 303;
  ctx.redirect(`/account/organizations/${c.org.id}`);
}

export function orgRolloutSettingsRoutes(
  router: Router,
  services: Services,
  { context, account }: OrgRoutes,
): void {
  for (const [path, setting] of SETTINGS) {
    router.post(`/account/organizations/:id/${path}`, account(), async (ctx) => {
      const c = context(ctx);
      await save(ctx, services, c, setting(ctx, c, services.config));
    });
  }
}
