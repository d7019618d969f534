// Adding a phone on the security settings page (S1–S3): password first, then the number, then the
// code texted to it; a correct code makes SMS a method of the account.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { createBindingGate } from '../../../account/binding-gate.ts';
import { type AccountSession, upgradeSession } from '../../../account/session.ts';
import { readForm } from '../../../http/form.ts';
import { renderPage } from '../../../http/render.ts';
import { enrollmentViews } from '../../../interactions/mfa/enroll-steps.ts';
import type { SmsSendOutcome } from '../factor.ts';
import { countryName, maskPhone } from '../phone.ts';
import {
  countryOptions,
  defaultCountry,
  describeSend,
  localeOf,
  phoneHint,
  type SmsParts,
  tOf,
} from './common.ts';
import type { SmsSettingsScope } from './settings-scope.ts';

/** GET /account/security/sms and POST …/send, …/resend, …/confirm. */
export function smsAddRoutes(router: Router, scope: SmsSettingsScope): void {
  const { provider, services, mfa, parts, base, flowKey, who, request, signedIn } = scope;
  const { config } = services;
  const binding = createBindingGate(mfa, signedIn); // G5 (its form is registered by ./security.ts)

  async function enrollPage(
    ctx: Context,
    s: AccountSession,
    p: SmsParts,
    flash: {
      error?: string;
      notice?: string;
      status?: number;
      phone?: string;
      country?: string;
      stage?: 'phone';
    } = {},
  ) {
    const t = tOf(ctx);
    const common = {
      title: t('enroll.sms.title'),
      required: false,
      error: flash.error ?? null,
      appHref: '/account/security/totp',
      csrf: s.csrf,
    };
    const pending =
      flash.stage === 'phone' || ctx.query.number === 'new'
        ? undefined
        : await p.enrollment.status(s.state.user, flowKey(s));
    if (pending) {
      return renderPage(
        ctx,
        'enroll-sms-code',
        {
          ...common,
          notice: flash.notice ?? (pending.expired ? t('sms.expired') : null),
          phone: maskPhone(pending.phone),
          confirmAction: `${base}/confirm`,
          resendAction: `${base}/resend`,
          waitSeconds: pending.retryAfterSeconds,
          changeHref: `${base}?number=new`,
        },
        flash.status,
      );
    }
    const locale = localeOf(ctx);
    const blocked = config.sms.blockedCountries;
    const country =
      flash.country && isSupportedCountry(flash.country) ? flash.country : defaultCountry(ctx, blocked);
    return renderPage(
      ctx,
      'enroll-sms',
      {
        ...common,
        sendAction: `${base}/send`,
        countries: countryOptions(locale, blocked),
        country,
        phoneHint: phoneHint(ctx, country),
        phone: flash.phone ?? '',
        blockedNames: blocked.map((c) => countryName(c, locale)).join(locale === 'ja' ? '、' : ', '),
      },
      flash.status,
    );
  }

  /** Password first (S1), fresh for REAUTH_WINDOW_SECONDS; false when the password page was shown. */
  async function fresh(ctx: Context, s: AccountSession, expired = false) {
    if (!(await binding.ensure(ctx, s, 'sms'))) return false; // G5: a recent second factor too
    if (await mfa.reauth.isFresh(flowKey(s), s.state.user.id)) return true;
    await enrollmentViews(ctx, services, mfa).reauth(
      '/account/security/reauth?next=sms',
      s.state.user.email,
      { expired, csrf: s.csrf },
    );
    return false;
  }

  function afterSend(
    ctx: Context,
    s: AccountSession,
    p: SmsParts,
    outcome: SmsSendOutcome,
    given: { phone?: string; country?: string } = {},
  ) {
    if (outcome.ok) {
      ctx.status = 303;
      ctx.redirect(base);
      return;
    }
    const view: { error?: string; notice?: string; status?: number } = {};
    describeSend(ctx, view, outcome, true);
    const blocked = outcome.error === 'blocked';
    return enrollPage(ctx, s, p, {
      ...view,
      ...given,
      stage: blocked ? 'phone' : undefined,
      status: blocked ? 400 : view.status,
    });
  }

  router.get(base, async (ctx) => {
    const s = await signedIn(ctx);
    if (!s) return;
    if (s.state.enrolled.includes('sms')) return ctx.redirect('/account/security');
    if (await fresh(ctx, s)) await enrollPage(ctx, s, parts);
  });

  router.post(`${base}/send`, async (ctx) => {
    const form = readForm(ctx, {
      csrf: { maxLength: 100 },
      country: { maxLength: 8, optional: true },
      phone: { maxLength: 128, optional: true },
    });
    const s = await signedIn(ctx, form);
    if (!s || !(await fresh(ctx, s, true))) return;
    const country = form.country.toUpperCase();
    const given = { phone: form.phone, country };
    const result = await parts.enrollment.start(
      s.state.user,
      flowKey(s),
      form.phone,
      isSupportedCountry(country) ? country : undefined,
      request(ctx),
    );
    if (!result.ok && result.error === 'invalid') {
      return enrollPage(ctx, s, parts, {
        ...given,
        stage: 'phone',
        status: 400,
        error: tOf(ctx)('enroll.sms.invalid'),
      });
    }
    if (!result.ok && result.error === 'already_enrolled') return ctx.redirect('/account/security');
    return afterSend(ctx, s, parts, result as SmsSendOutcome, given);
  });

  router.post(`${base}/resend`, async (ctx) => {
    const form = readForm(ctx, { csrf: { maxLength: 100 } });
    const s = await signedIn(ctx, form);
    if (!s || !(await fresh(ctx, s, true))) return;
    const outcome = await parts.enrollment.resend(s.state.user, flowKey(s), request(ctx));
    if (!outcome) return ctx.redirect(base);
    return afterSend(ctx, s, parts, outcome);
  });

  router.post(`${base}/confirm`, async (ctx) => {
    const form = readForm(ctx, { csrf: { maxLength: 100 }, code: { maxLength: 64 } });
    const s = await signedIn(ctx, form);
    if (!s || !(await fresh(ctx, s, true))) return;
    const t = tOf(ctx);
    const attempt = await mfa.guard.begin(s.state.user.id, ctx.ip); // V2: counted first
    if (!attempt.allowed)
      return enrollPage(ctx, s, parts, {
        status: 429,
        error: t('mfa.rate_limited', { minutes: Math.ceil(attempt.retryAfterSeconds / 60) }),
      });
    const result = await parts.enrollment.confirm(
      s.state.user,
      flowKey(s),
      form.code.normalize('NFKC'),
      who(ctx, s),
    );
    if (!result.ok) {
      if (result.reason === 'already_enrolled') {
        await attempt.cancel();
        return ctx.redirect('/account/security');
      }
      await attempt.fail(undefined, who(ctx, s));
      return enrollPage(ctx, s, parts, {
        status: 400,
        error: result.reason === 'incorrect' ? t('mfa.incorrect') : t('sms.expired'),
      });
    }
    await attempt.succeed();
    await mfa.reauth.clear(flowKey(s));
    await upgradeSession(provider, s.sessionId, ['sms']);
    await mfa.binding.record(s.sessionUid); // G5
    ctx.status = 303;
    ctx.redirect('/account/security?done=added');
  });
}
