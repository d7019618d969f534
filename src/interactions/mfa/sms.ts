// The SMS step of the mfa prompt at sign-in (S3–S5, L2): the code sent when the step opens and
// its resend (POST /interaction/:uid/mfa/resend), with the number shown masked. `smsRoutes` also
// registers the enrollment steps of ./sms-enroll.ts.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { HttpError } from '../../http/errors.ts';
import { readForm } from '../../http/form.ts';
import type { MfaService } from '../../mfa/service.ts';
import { isSmsFactor } from '../../mfa/sms/factor.ts';
import { maskPhone } from '../../mfa/sms/phone.ts';
import type { Services } from '../../services.ts';
import type { MfaStep } from './context.ts';
import { describeSend, localeOf, type SmsParts, smsParts, tOf } from './sms-common.ts';
import { smsEnrollRoutes } from './sms-enroll.ts';

export { type SmsParts, smsParts };

const interactionPath = (step: MfaStep) => `/interaction/${step.details.uid}`;

export interface SmsChallengeView {
  intro: string;
  error?: string;
  notice?: string;
  status?: number;
  resend: { action: string; label: string; waitSeconds: number; waitText: string };
}

/**
 * open: the page opened, send a code unless this interaction already has one; resend: the person
 * asked for a new message; status: only describe (a re-rendered page after a wrong code).
 */
export type SmsChallengeMode = 'open' | 'resend' | 'status';

export async function smsChallengeView(
  ctx: Context,
  mfa: MfaService,
  step: MfaStep,
  mode: SmsChallengeMode,
): Promise<SmsChallengeView> {
  const t = tOf(ctx);
  const factor = mfa.factors.get('sms');
  const phone = isSmsFactor(factor) ? factor.phoneOf(step.state.records) : undefined;
  if (!isSmsFactor(factor) || !phone) throw new HttpError(400, 'error.bad_request');
  const { user } = step.state;
  const flowKey = step.details.uid;
  const masked = maskPhone(phone);
  const view: SmsChallengeView = {
    intro: t('mfa.intro.sms', { phone: masked }),
    resend: {
      action: `${interactionPath(step)}/mfa/resend`,
      label: t('sms.resend'),
      waitSeconds: 0,
      waitText: '',
    },
  };
  const wait = (seconds: number) => {
    view.resend.waitSeconds = seconds;
    view.resend.waitText = seconds > 0 ? t('sms.wait', { seconds }) : '';
  };

  if (mode !== 'status') {
    const outcome = await factor.send({
      user,
      purpose: 'signin',
      flowKey,
      phone,
      resend: mode === 'resend',
      ip: ctx.ip,
      locale: localeOf(ctx),
    });
    describeSend(ctx, view, outcome, mode === 'resend');
    if (outcome.ok || outcome.error === 'too_soon') wait(outcome.retryAfterSeconds);
    if (!outcome.ok && outcome.error !== 'too_soon') {
      if (!(await factor.status(user, 'signin', flowKey)))
        view.intro = t('sms.intro_unsent', { phone: masked });
      return view;
    }
    if (outcome.ok && outcome.sent) return view;
  }
  const status = await factor.status(user, 'signin', flowKey);
  if (!status) {
    view.intro = t('sms.intro_unsent', { phone: masked });
  } else {
    if (view.resend.waitSeconds === 0) wait(status.retryAfterSeconds);
    if (status.expired && !view.error) view.notice = t('sms.expired');
  }
  return view;
}

/** POST /interaction/:uid/mfa/resend and the enrollment steps. */
export function smsRoutes(
  router: Router,
  provider: Provider,
  services: Services,
  mfa: MfaService,
  load: (ctx: Context) => Promise<MfaStep>,
  showChallenge: (ctx: Context, step: MfaStep) => Promise<void>,
) {
  router.post('/mfa/resend', async (ctx) => {
    ctx.state.issuerName = services.config.mfa.issuerName;
    const step = await load(ctx);
    readForm(ctx, {});
    if (!step.decision.allowedFactors.includes('sms')) throw new HttpError(400, 'error.bad_request');
    return showChallenge(ctx, step);
  });
  smsEnrollRoutes(router, provider, services, mfa, load);
}
