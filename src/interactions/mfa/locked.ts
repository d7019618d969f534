// V1, R1, R2: every enrolled method locked, no backup code left — the step ends here (423): no
// code, no enrollment, only the way back to the app and who can reset the person's MFA.
import type { Context } from 'koa';
import { renderPage } from '../../http/render.ts';
import type { MfaStep } from './context.ts';

export function showLocked(ctx: Context, step: MfaStep): Promise<void> {
  const t = ctx.state.t;
  const orgs = step.state.memberships.map((m) => m.org.name);
  const message =
    orgs.length > 0
      ? t('mfa.locked_reset', { orgs: orgs.join(ctx.state.locale === 'ja' ? '、' : ', ') })
      : t('mfa.locked_support');
  return renderPage(
    ctx,
    'mfa-locked',
    { title: t('mfa.locked_title'), message, abortHref: `/interaction/${step.details.uid}/abort` },
    423,
  );
}
