// Adding a phone on the security settings page (S1–S3): the steps of ./enroll-flow.ts for the
// signed-in account — password first (T1) and, with a method enrolled, a recent second factor (G5),
// then the number, then the code texted to it; a correct code makes SMS a method of the account.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { accountOf } from '../../../account/middleware.ts';
import type { AccountSession } from '../../../account/session.ts';
import { readForm } from '../../../http/form.ts';
import {
  confirmEnrollmentCode,
  resendEnrollmentCode,
  type SmsEnrollPlace,
  sendEnrollmentCode,
  showSmsEnrollPage,
} from './enroll-flow.ts';
import type { SmsSettingsScope } from './settings-scope.ts';

/** GET /account/security/sms and POST …/send, …/resend, …/confirm. */
export function smsAddRoutes(router: Router, scope: SmsSettingsScope): void {
  const { deps, parts, base, account } = scope;
  const placeOf = (s: AccountSession): SmsEnrollPlace => ({
    flow: deps.flowOf(s),
    parts,
    required: false,
    page: base,
    actions: base,
    appHref: '/account/security/totp',
    enrolledHref: '/account/security',
  });
  /** The place while SMS is still to be added, T1 and G5 met; else undefined. */
  async function adding(ctx: Context, expired = false) {
    const s = accountOf(ctx);
    if (s.state.enrolled.includes('sms')) {
      ctx.status = 303;
      ctx.redirect('/account/security');
      return undefined;
    }
    return (await deps.ensureFresh(ctx, s, 'sms', expired)) ? placeOf(s) : undefined;
  }

  router.get(base, account(), async (ctx) => {
    const place = await adding(ctx);
    if (place) await showSmsEnrollPage(ctx, deps, place);
  });

  router.post(`${base}/send`, account(), async (ctx) => {
    const form = readForm(ctx, {
      country: { maxLength: 8, optional: true },
      phone: { maxLength: 128, optional: true },
    });
    const place = await adding(ctx, true);
    if (place) await sendEnrollmentCode(ctx, deps, place, form);
  });

  router.post(`${base}/resend`, account(), async (ctx) => {
    const place = await adding(ctx, true);
    if (place) await resendEnrollmentCode(ctx, deps, place);
  });

  router.post(`${base}/confirm`, account(), async (ctx) => {
    const form = readForm(ctx, { code: { maxLength: 64 } });
    const place = await adding(ctx, true);
    if (place) await confirmEnrollmentCode(ctx, deps, place, form.code);
  });
}
