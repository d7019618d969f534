// G2: the reminder of a grace period at sign-in. A member without a method whose decision is
// 'optional' with a deadline sees the date and chooses "Set up now" (the enrollment of P5, in this
// interaction) or "Remind me later" (the sign-in goes on without a second factor: amr unchanged).
// Past the date the decision is 'required' and P5 applies; this page is never shown then.
import type { Context } from 'koa';
import { readForm } from '../../http/form.ts';
import { renderPage } from '../../http/render.ts';
import type { GraceSetup } from '../../mfa/grace-setup.ts';
import type { MfaStep } from './context.ts';

export function showGraceReminder(ctx: Context, step: MfaStep): Promise<void> {
  const t = ctx.state.t;
  const until = step.decision.graceUntil!;
  const org = step.state.memberships.find((m) => m.orgId === step.decision.orgId)?.org.name ?? '';
  const date = new Intl.DateTimeFormat(ctx.state.locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(until);
  return renderPage(ctx, 'mfa-grace', {
    title: t('grace.title'),
    message: t('grace.intro', { org, date }),
    iso: until.toISOString(),
    base: `/interaction/${step.details.uid}/mfa/grace`,
  });
}

/** "Set up now": the enrollment of P5 in this interaction. */
export async function chooseSetup(ctx: Context, graceSetup: GraceSetup, step: MfaStep): Promise<void> {
  readForm(ctx, {});
  await graceSetup.choose(step.details.uid, step.state.user.id);
  ctx.status = 303;
  ctx.redirect(`/interaction/${step.details.uid}`);
}

/**
 * "Remind me later": finish the step as the sign-in stands (its amr, acr and time unchanged). Only
 * while the decision is a reminder; otherwise back to the step (the decision decides, never this).
 */
export async function remindLater(ctx: Context, step: MfaStep, reminder: boolean): Promise<void> {
  readForm(ctx, {});
  const { details } = step;
  if (!reminder) {
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}`);
    return;
  }
  const last = (details.lastSubmission ?? {}) as Record<string, unknown>;
  details.result = { ...last, grace: { later: true } };
  await details.save(details.exp - Math.floor(Date.now() / 1000));
  ctx.status = 303;
  ctx.redirect(details.returnTo);
}
