// The SMS step of the mfa prompt at sign-in (S3–S5, L2): the code sent when the step opens and
// its resend (POST /interaction/:uid/mfa/resend), with the number shown masked. `smsRoutes` also
// registers the enrollment steps of ./enroll.ts.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { HttpError } from '../../../http/errors.ts';
import { readForm } from '../../../http/form.ts';
import type { MfaStep } from '../../../interactions/mfa/context.ts';
import type { ChallengeMode, ChallengePart, ResendLink, SignInDeps } from '../../pages.ts';
import type { MfaService } from '../../service.ts';
import { isSmsFactor } from '../factor.ts';
import { maskPhone } from '../phone.ts';
import { describeSend, sendSigninCode, tOf } from './common.ts';
import { smsEnrollRoutes } from './enroll.ts';

const interactionPath = (step: MfaStep) => `/interaction/${step.details.uid}`;

type SmsChallengeView = ChallengePart & { resend: ResendLink };

export async function smsChallengeView(
  ctx: Context,
  mfa: MfaService,
  step: MfaStep,
  mode: ChallengeMode,
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
    const outcome = await sendSigninCode(ctx, factor, { user, flowKey, phone }, mode);
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
export function smsRoutes(router: Router, deps: SignInDeps) {
  router.post('/mfa/resend', async (ctx) => {
    ctx.state.issuerName = deps.services.config.mfa.issuerName;
    const step = await deps.load(ctx);
    readForm(ctx, {});
    if (!step.decision.allowedFactors.includes('sms')) throw new HttpError(400, 'error.bad_request');
    return deps.showChallenge(ctx, step, 'sms', 'resend');
  });
  smsEnrollRoutes(router, deps);
}
