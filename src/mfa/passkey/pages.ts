// The passkey's pages inside the sign-in (W1, W2, W6): the challenge ("Use your passkey" runs the
// WebAuthn request for the user's passkeys, bound to this interaction, and posts the result to
// /interaction/<uid>/mfa/passkey) and the enrollment (P5). Without JavaScript the pages say so and
// offer the other methods — never a dead end.
import type { Context } from 'koa';
import { renderPage } from '../../http/render.ts';
import type { CeremonyEnrollView, CeremonyPageView, Factor } from '../factor.ts';
import type { PasskeyRegistration } from './register.ts';

export async function showPasskeyChallenge(
  ctx: Context,
  factor: Factor,
  view: CeremonyPageView,
): Promise<void> {
  const t = ctx.state.t;
  const { ceremony } = view.canSubmit
    ? await factor.challenge({ user: view.user, records: view.records, flowKey: view.flowKey, resend: false })
    : { ceremony: undefined };
  await renderPage(
    ctx,
    'factors/passkey/challenge',
    {
      title: t('mfa.title'),
      action: `${view.base}/mfa/passkey`,
      abortHref: `${view.base}/abort`,
      options: ceremony ? JSON.stringify(ceremony) : null,
      error: view.error,
      notice: view.notice,
      alternatives: view.alternatives,
    },
    view.status,
  );
}

/** W1, P5: adding a passkey inside the sign-in (after T1); the result goes to …/mfa/enroll/passkey. */
export async function showPasskeyEnrollment(
  ctx: Context,
  registration: PasskeyRegistration,
  view: CeremonyEnrollView,
): Promise<void> {
  const t = ctx.state.t;
  const options = await registration.start(view.user, view.flowKey);
  await renderPage(
    ctx,
    'factors/passkey/enroll',
    {
      title: t('passkey.enroll.title'),
      action: `${view.base}/mfa/enroll/passkey`,
      options: JSON.stringify(options),
      choices: view.choices,
      error: view.error ?? null,
    },
    view.status,
  );
}
