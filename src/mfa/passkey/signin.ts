// The passkey at sign-in — the MFA step's routes (passkeySignInRoutes, in the page registry) and
// the sign-in page's part, an interaction extension (src/interactions/router.ts):
// - W1, P5: POST /interaction/<uid>/mfa/enroll/passkey — a passkey added inside the sign-in.
// - W2: POST /interaction/<uid>/mfa/passkey — the second factor after the password. The passkey is
//   checked by mfa.verify (attempts counted first, V2; lockout); the session gets acr phr (W5).
// - W3: the sign-in page offers "Sign in with a passkey" (a discoverable credential, usernameless,
//   with conditional UI), posted to /interaction/<uid>/passkey. A user-verified assertion is
//   possession + inherence or knowledge, so it satisfies MFA on its own: amr [hwk|swk, user, mfa],
//   acr phr. The sign-in then goes on through the provider's prompts, where the one decision
//   (src/core/decision.ts, V7) is asked as for every session. Members of an organization that
//   enforces SSO are sent there, as with a password (F1: the e-mail/password step's hooks).
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { afterCommit } from '../../core/after-commit.ts';
import { authTimeFor } from '../../core/sessions.ts';
import { HttpError } from '../../http/errors.ts';
import { readForm } from '../../http/form.ts';
import { loadInteraction } from '../../interactions/load.ts';
import { type LoginHooks, showLogin } from '../../interactions/login.ts';
import { accepts, completeMfa, loadMfaStep } from '../../interactions/mfa/context.ts';
import { showLocked } from '../../interactions/mfa/locked.ts';
import type { InteractionExtension } from '../../interactions/router.ts';
import { ACR_PHR } from '../../oidc/acr.ts';
import type { Services } from '../../services.ts';
import type { RateLimiter } from '../../store/ports.ts';
import type { SignInDeps } from '../pages.ts';
import { attemptsLeftNotice, refusalError } from '../refusal.ts';
import type { MfaService } from '../service.ts';
import { passkeyAmr } from './amr.ts';
import { isPasskeyFactor, type PasskeyFactor } from './factor.ts';
import { RESPONSE_MAX } from './settings.ts';

const who = (ctx: Context, userId: string) => ({
  actorUserId: userId,
  ip: ctx.ip,
  userAgent: ctx.get('user-agent'),
});

async function secondFactor(ctx: Context, deps: SignInDeps): Promise<void> {
  const { provider, mfa } = deps;
  const step = await loadMfaStep(ctx, provider, mfa);
  const { response } = readForm(ctx, { response: { maxLength: RESPONSE_MAX } });
  if (step.decision.locked) return showLocked(ctx, step); // V1
  if (!step.decision.allowedFactors.includes('passkey')) {
    throw new HttpError(400, 'error.bad_request');
  }
  const t = ctx.state.t;
  const outcome = await mfa.verify(
    step.state,
    'passkey',
    response,
    step.details.uid,
    who(ctx, step.state.user.id),
  );
  if (outcome.ok) {
    ctx.status = 303;
    ctx.redirect(await completeMfa(ctx, provider, step, outcome.amr, ACR_PHR));
    return;
  }
  const now = await loadMfaStep(ctx, provider, mfa, step.details);
  if (now.decision.locked) return showLocked(ctx, now);
  if (outcome.error === 'rate_limited') ctx.set('retry-after', String(outcome.retryAfterSeconds ?? 60));
  const status = { incorrect: 401, rate_limited: 429, locked: 423, not_enrolled: 400 }[outcome.error];
  return deps.showChallenge(ctx, now, 'passkey', 'status', {
    status,
    error: refusalError(t, 'passkey', outcome),
    notice: attemptsLeftNotice(t, outcome, mfa.maxFailuresPerWindow),
    canSubmit: outcome.error === 'incorrect',
  });
}

async function passkeySignIn(
  ctx: Context,
  provider: Provider,
  services: Services,
  mfa: MfaService,
  factor: PasskeyFactor,
  hooks: LoginHooks[],
  perIpLimiter: RateLimiter,
): Promise<void> {
  const details = await loadInteraction(ctx, provider, 'login');
  const { response } = readForm(ctx, { response: { maxLength: RESPONSE_MAX } });
  const t = ctx.state.t;
  const startedAt = Date.now(); // V3: before the user is read
  const refuse = (status: number, error = t('passkey.signin_failed')) =>
    showLogin(ctx, provider, details, { error, status, hooks });
  // V2, L1: every passkey sign-in counts per IP before anything is looked up (LOGIN_MAX_ATTEMPTS_PER_IP);
  // the owner's attempts are counted by mfa.verify below.
  const perIp = await perIpLimiter.consume(ctx.ip);
  if (!perIp.allowed) {
    ctx.set('retry-after', String(perIp.retryAfterSeconds));
    return refuse(
      429,
      t('login.rate_limited', { minutes: Math.max(1, Math.ceil(perIp.retryAfterSeconds / 60)) }),
    );
  }
  const userId = await factor.ownerOf(response);
  const state = userId ? await mfa.load(userId) : undefined;
  if (!state) {
    await factor.challenges.take('assert', details.uid); // W7: the challenge is used up all the same
    return refuse(401);
  }
  const outcome = await mfa.verify(state, 'passkey', response, details.uid, who(ctx, state.user.id));
  if (!outcome.ok) {
    services.logger.info(
      { event: 'login.passkey_failed', interaction: details.uid },
      'passkey sign-in failed',
    );
    if (outcome.error === 'rate_limited' || outcome.error === 'locked') {
      return refuse(outcome.error === 'locked' ? 423 : 429, refusalError(t, 'passkey', outcome));
    }
    return refuse(401);
  }
  // F1: a member of an organization that enforces SSO signs in there, whatever the credential.
  for (const h of hooks) if (await h.afterPassword?.(ctx, details, state.user, state.user.email)) return;
  const login = {
    accountId: state.user.id,
    amr: [...outcome.amr, 'mfa'],
    acr: ACR_PHR,
    ts: authTimeFor(state.user, startedAt),
  };
  const redirectTo = await provider.interactionResult(
    ctx.req,
    ctx.res,
    { login },
    { mergeWithLastSubmission: false },
  );
  ctx.status = 303;
  ctx.redirect(redirectTo);
}

/** W1, P5, W5: a passkey added inside the sign-in (after T1) completes its MFA step, with acr phr. */
async function enrollAtSignIn(ctx: Context, deps: SignInDeps, factor: PasskeyFactor): Promise<void> {
  const { provider, services, mfa } = deps;
  const step = await loadMfaStep(ctx, provider, mfa);
  const { response } = readForm(ctx, { response: { maxLength: RESPONSE_MAX } });
  const { user } = step.state;
  const base = `/interaction/${step.details.uid}`;
  if (!step.enrolls || !accepts(step, 'passkey')) {
    ctx.status = 303; // already enrolled (posted twice), or not offered: the step decides anew
    ctx.redirect(base);
    return;
  }
  if (!(await mfa.reauth.isFresh(step.details.uid, user.id, step.passwordAt))) {
    await deps.ensureFresh(ctx, step, 'passkey', true); // T1 again
    return;
  }
  const t = ctx.state.t;
  const again = (error: string, status: number) =>
    factor.enrollPage?.(ctx, { user, flowKey: step.details.uid, base, choices: [], error, status });
  const attempt = await mfa.guard.begin(user.id, ctx.ip); // V2: counted first
  if (!attempt.allowed) {
    ctx.set('retry-after', String(attempt.retryAfterSeconds));
    return again(t('mfa.rate_limited', { minutes: Math.ceil(attempt.retryAfterSeconds / 60) }), 429);
  }
  const result = await factor.registration.finish(user, step.details.uid, response, who(ctx, user.id));
  if (!result.ok) {
    if (result.reason === 'invalid') await attempt.fail(undefined, who(ctx, user.id));
    else await attempt.cancel();
    return again(t(`passkey.register_${result.reason}`), 400);
  }
  const { logger } = services;
  await afterCommit(logger, 'attempts', () => attempt.succeed());
  await afterCommit(logger, 'reauth', () => mfa.reauth.clear(step.details.uid));
  // The person just proved the new passkey with user verification: this sign-in has its factor.
  const redirectTo = await completeMfa(ctx, provider, step, passkeyAmr(result.passkey.deviceType), ACR_PHR);
  ctx.status = 303;
  ctx.redirect(redirectTo);
}

export function passkeyExtension(
  provider: Provider,
  services: Services,
  mfa: MfaService,
): InteractionExtension {
  const factor = mfa.factors.get('passkey');
  if (!isPasskeyFactor(factor)) return {};
  const { maxPerIp, windowSeconds } = services.config.login;
  const perIp = services.eph.rateLimiter({
    keyPrefix: 'passkey:ip',
    points: maxPerIp,
    durationSeconds: windowSeconds,
  });
  return {
    // The MFA step's passkey routes (W1, W2) are the page registry's (passkeySignInRoutes), so an
    // embedding host's routes() serves them too; this extension is the sign-in page's part (W3).
    routes(router, hooks) {
      router.post('/passkey', (ctx) => passkeySignIn(ctx, provider, services, mfa, factor, hooks, perIp));
    },
    login: {
      // W3: the sign-in page's passkey button (and autofill), with a challenge bound to this interaction.
      async page(_ctx, details) {
        const options = await factor.discoverableOptions(details.uid);
        const action = `/interaction/${details.uid}/passkey`;
        // The e-mail field offers the passkeys too (conditional UI: autocomplete="username webauthn").
        const part = {
          view: 'factors/passkey/signin',
          action,
          options: JSON.stringify(options),
          autocomplete: 'webauthn',
        };
        return { parts: [part] };
      },
    },
  };
}

/** W1, W2: the MFA step's passkey routes under /interaction/:uid (the page registry mounts them). */
export function passkeySignInRoutes(router: Router, deps: SignInDeps): void {
  const { provider, services, mfa } = deps;
  const factor = mfa.factors.get('passkey');
  if (!isPasskeyFactor(factor)) return;
  router.post('/mfa/passkey', (ctx) => secondFactor(ctx, deps));
  router.post('/mfa/enroll/passkey', (ctx) => enrollAtSignIn(ctx, deps, factor));
}
