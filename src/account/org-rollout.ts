// G1, G7: the organization page's enforcement preview (with its CSV export) and the confirmation
// step before the owner switches "require MFA for all users" on. Both are dry runs of the one
// decision point (src/core/preview.ts).

import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { type Proposal, previewCsv, previewOrg } from '../core/preview.ts';
import { allowableMethods, checkAllowedMethods } from '../core/rollout-settings.ts';
import { HttpError } from '../http/errors.ts';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import { accountMiddleware } from './middleware.ts';
import { orgMember } from './org-member.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A YYYY-MM-DD day as a date (midnight UTC), null for "no date", undefined when malformed. */
function dayOf(value: unknown): Date | null | undefined {
  if (value === 'none') return null;
  if (typeof value !== 'string' || !DATE.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The proposal of the query (`?requireMfa=true&plan=paid&enforcedFrom=2027-01-31&methods=totp,sms`);
 * absent or unknown values: as today.
 */
function proposalOf(query: Record<string, unknown>): Proposal {
  const p: Proposal = {};
  if (query.requireMfa === 'true' || query.requireMfa === 'false')
    p.requireMfaForAllUsers = query.requireMfa === 'true';
  if (query.plan === 'free' || query.plan === 'paid') p.plan = query.plan;
  const from = dayOf(query.enforcedFrom);
  if (from !== undefined) p.mfaEnforcedFrom = from;
  if (typeof query.methods === 'string') {
    const checked = checkAllowedMethods(query.methods.split(','));
    if (checked.ok) p.allowedMethods = checked.value;
  }
  return p;
}

/** The query that stands for a proposal (the CSV link; the settings forms' preview). */
function queryOf(p: Proposal): URLSearchParams {
  const q = new URLSearchParams();
  if (p.requireMfaForAllUsers !== undefined) q.set('requireMfa', String(p.requireMfaForAllUsers));
  if (p.plan) q.set('plan', p.plan);
  if (p.mfaEnforcedFrom !== undefined)
    q.set('enforcedFrom', p.mfaEnforcedFrom ? p.mfaEnforcedFrom.toISOString().slice(0, 10) : 'none');
  if (p.allowedMethods !== undefined) q.set('methods', (p.allowedMethods ?? allowableMethods()).join(','));
  return q;
}

/** G1: what the rollout settings forms propose (their own fields), before anything is saved. */
function proposalOfForm(form: Record<string, string | undefined>): Proposal {
  if (form.preview === 'date') {
    const from = form.clear || !form.date ? null : dayOf(form.date);
    if (from === undefined) throw new HttpError(400, 'error.bad_request');
    return { mfaEnforcedFrom: from };
  }
  const checked = checkAllowedMethods(allowableMethods().filter((f) => form[`method_${f}`]));
  if (!checked.ok) throw new HttpError(400, checked.error.key);
  return { allowedMethods: checked.value };
}

interface Deps {
  sor: Services['sor'];
  mfa: MfaService;
}

/** The preview's outcomes, counted for the page's summary. */
const OUTCOMES = [
  'must_enroll',
  'enrolled',
  'sso_exempt',
  'required_elsewhere',
  'grace_period',
  'locked',
  'not_required',
] as const;

/** The signed-in owner of organization :id (R1: only their own organizations). */
async function owner(ctx: Context, sor: Services['sor']) {
  const c = orgMember(ctx, { roles: ['owner'] });
  return { s: c.s, org: (await sor.findOrgById(c.org.id)) ?? c.org };
}

const rowsOf = ({ sor, mfa }: Deps, org: Parameters<typeof previewOrg>[1], proposal: Proposal) =>
  previewOrg({ decisions: mfa.decisions, load: mfa.load, sor }, org, proposal);

async function view(ctx: Context, deps: Deps, proposal: Proposal, confirm: boolean) {
  const c = await owner(ctx, deps.sor);
  const rows = await rowsOf(deps, c.org, proposal);
  const t = ctx.state.t;
  const self = rows.find((r) => r.userId === c.s.state.user.id);
  const query = queryOf(proposal);
  await renderPage(ctx, 'org-preview', {
    title: t('preview.title', { org: c.org.name }),
    wide: true,
    org: c.org,
    rows,
    counts: Object.fromEntries(OUTCOMES.map((o) => [o, rows.filter((r) => r.outcome === o).length])),
    csv: `/account/organizations/${c.org.id}/enforcement-preview.csv?${query}`,
    // G7: the requirement applies to the owner too, and whether they are ready.
    confirm,
    selfReady: self ? self.outcome !== 'must_enroll' && self.outcome !== 'locked' : true,
    csrf: c.s.csrf,
  });
}

async function csv(ctx: Context, deps: Deps) {
  const c = await owner(ctx, deps.sor);
  const rows = await rowsOf(deps, c.org, proposalOf(ctx.query));
  ctx.set('content-disposition', `attachment; filename="enforcement-preview-${c.org.id}.csv"`);
  ctx.type = 'text/csv; charset=utf-8';
  ctx.body = previewCsv(rows);
}

/** G1: "Preview" on the enforcement-date and allowed-methods forms posts their fields here. */
async function previewForm(ctx: Context, deps: Deps) {
  await owner(ctx, deps.sor); // R1: the owner's, before the form is read
  const formFields = {
    preview: { maxLength: 10 },
    date: { maxLength: 10, optional: true },
    clear: { maxLength: 3, optional: true },
    ...Object.fromEntries(allowableMethods().map((f) => [`method_${f}`, { maxLength: 3, optional: true }])),
  };
  const form = readForm(ctx, formFields) as Record<string, string | undefined>;
  if (form.preview !== 'date' && form.preview !== 'methods') throw new HttpError(400, 'error.bad_request');
  await view(ctx, deps, proposalOfForm(form), false);
}

export function orgRolloutRoutes(
  router: Router,
  provider: Provider,
  services: Services,
  mfa: MfaService,
): void {
  const deps: Deps = { sor: services.sor, mfa };
  const account = accountMiddleware(provider, mfa, services.config.cookieKeys[0]);
  const path = '/account/organizations/:id/enforcement-preview';
  router.get(path, account(), (ctx) => view(ctx, deps, proposalOf(ctx.query), false));
  router.get(`${path}.csv`, account(), (ctx) => csv(ctx, deps));
  router.post(path, account(), (ctx) => previewForm(ctx, deps));
  // G7: the confirmation step before switching the requirement on (the form posts to require-mfa).
  router.post('/account/organizations/:id/require-mfa/confirm', account(), (ctx) =>
    view(ctx, deps, { requireMfaForAllUsers: true }, true),
  );
}
