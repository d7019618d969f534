// Issue 16 item 9: the organization page's risky actions — "Stop requiring MFA" and "Reset MFA" —
// go through a confirmation page (no JavaScript needed) that repeats what will happen; its danger
// button makes the real, CSRF-checked POST (src/account/organizations.ts).
import type Router from '@koa/router';
import type { Context } from 'koa';
import { forbidden } from '../http/errors.ts';
import { readForm } from '../http/form.ts';
import { renderPage } from '../http/render.ts';
import { isUserId } from '../oidc/account.ts';
import type { Services } from '../services.ts';
import type { OrgRoutes } from './org-member.ts';
import type { AccountSession } from './session.ts';

export function orgConfirmRoutes(router: Router, services: Services, { context, account }: OrgRoutes): void {
  const confirm = (ctx: Context, s: AccountSession, view: { title: string } & Record<string, unknown>) =>
    renderPage(ctx, 'org-confirm', { ...view, csrf: s.csrf });

  router.post('/account/organizations/:id/require-mfa/off/confirm', account(), async (ctx) => {
    const c = context(ctx);
    if (c.role !== 'owner') throw forbidden();
    const t = ctx.state.t;
    await confirm(ctx, c.s, {
      title: t('org.confirm_off_title'),
      message: t('org.confirm_off', { org: c.org.name }),
      action: `/account/organizations/${c.org.id}/require-mfa`,
      fields: { value: 'off' },
      button: t('org.switch_off'),
      back: `/account/organizations/${c.org.id}`,
    });
  });

  router.post('/account/organizations/:id/members/:userId/reset-mfa/confirm', account(), async (ctx) => {
    const c = context(ctx);
    const form = readForm(ctx, { reason: { maxLength: 500 } });
    const targetId = ctx.params.userId;
    const target = isUserId(targetId)
      ? (await services.sor.listMembersOfOrg(c.org.id)).find((m) => m.userId === targetId)
      : undefined;
    if (!target) throw forbidden();
    const t = ctx.state.t;
    await confirm(ctx, c.s, {
      title: t('org.confirm_reset_title'),
      message: t('org.confirm_reset', { email: target.user.email }),
      action: `/account/organizations/${c.org.id}/members/${target.userId}/reset-mfa`,
      fields: { reason: form.reason },
      button: t('org.reset'),
      back: `/account/organizations/${c.org.id}`,
    });
  });
}
