// What every MFA step of an interaction needs: the interaction, its user (from the server-side
// session, never from the form) and the policy decision.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import { isGraceReminder, reauthenticationAsked } from '../../core/decision.ts';
import { type Flow, withSecondFactor } from '../../core/flow.ts';
import { authTimeFor } from '../../core/sessions.ts';
import { interactionExpired } from '../../http/errors.ts';
import type { Binding } from '../../mfa/binding.ts';
import type { MfaDecision } from '../../mfa/policy.ts';
import type { MfaService, UserMfaState } from '../../mfa/service.ts';
import { ACR_MFA } from '../../oidc/acr.ts';
import type { FactorType } from '../../store/records.ts';
import { loadInteraction, peekInteraction } from '../load.ts';

export interface MfaStep {
  details: Interaction;
  state: UserMfaState;
  decision: MfaDecision;
  amr: string[];
  /** When the password was typed in this sign-in (for re-authentication freshness, T1). */
  passwordAt: number | undefined;
  /** P5, G2: this step enrolls (required with no method, or "Set up now" in a grace period). */
  enrolls: boolean;
  /** G2: the decision is a grace reminder (and "Set up now" was not chosen). */
  reminder: boolean;
  /** When this request began reading the user's factors (ms): the auth time it may record (V3). */
  startedAt: number;
  /** G5: the session whose completed second factor is recorded, and where. */
  sessionUid: string | undefined;
  binding: Binding;
  /** This sign-in as a Flow (src/core/flow.ts): keyed by the interaction, finished by completeMfa. */
  flow: Flow;
}

/**
 * The interaction (already loaded by the caller, or read here through the provider's
 * interactionDetails, which also checks its session, alongside the user's factors and
 * organizations and the session's SSO mark). A code check counts its attempt
 * afterwards, before the code is checked (V2).
 */
export async function loadMfaStep(
  ctx: Context,
  provider: Provider,
  mfa: MfaService,
  given?: Interaction,
): Promise<MfaStep> {
  const startedAt = Date.now();
  const peeked = given ?? (await peekInteraction(ctx, provider));
  if (peeked.prompt.name !== 'mfa') throw interactionExpired();
  const accountId = peeked.session?.accountId;
  if (!accountId) throw interactionExpired();
  const session = peeked.session as { amr?: string[]; uid?: string } | undefined;
  const amr = session?.amr ?? [];
  // The provider's interactionDetails (cookie, interaction, its session) alongside the user's reads.
  const [details, state, authentication] = await Promise.all([
    given ?? loadInteraction(ctx, provider, 'mfa'),
    mfa.load(accountId),
    mfa.authenticationOf({ uid: session?.uid, accountId, amr }), // P2: the session's SSO mark
  ]);
  if (!state) throw interactionExpired();
  const params = details.params as {
    client_id?: string;
    acr_values?: string;
    claims?: unknown;
    max_age?: unknown;
    prompt?: unknown;
  };
  // The same inputs as the gate (src/oidc/mfa-gate.ts): an essential acr leads where acr_values does (P6).
  const decision = mfa.decide(state, authentication, {
    clientId: params.client_id,
    acrValues: params.acr_values,
    claims: params.claims,
    reauthentication: reauthenticationAsked(params),
  });
  const login = (
    details.lastSubmission as { login?: { accountId?: string; ts?: number; amr?: string[] } } | undefined
  )?.login;
  // A password typed, or an SSO sign-in completed, in this very interaction counts as the
  // re-authentication of T1 while fresh (an SSO-only member may have no password to re-enter).
  const primary = login?.amr?.includes('pwd') || login?.amr?.includes('fed');
  // E2: a host's login result may leave out `ts`: the provider then signed in at this
  // interaction's creation (the same request).
  const passwordAt = login?.accountId === accountId && primary ? (login.ts ?? details.iat) : undefined;
  const grace = isGraceReminder(decision);
  const setup = grace && (await mfa.graceSetup.chosen(details.uid, accountId));
  const enrolls = decision.mustEnroll || setup;
  const step = {
    details,
    state,
    decision,
    amr,
    passwordAt,
    startedAt,
    enrolls,
    reminder: grace && !setup,
    sessionUid: session?.uid,
    binding: mfa.binding,
  };
  return { ...step, flow: signInFlow(ctx, provider, step) };
}

function signInFlow(ctx: Context, provider: Provider, step: Omit<MfaStep, 'flow'>): Flow {
  const uid = step.details.uid;
  return {
    kind: 'signin',
    user: step.state.user,
    flowKey: uid,
    passwordAt: step.passwordAt,
    reauthAction: (next) => `/interaction/${uid}/mfa/reauth${next ? `?enroll=${next}` : ''}`,
    finish: (factorAmr) => completeMfa(ctx, provider, step, [...factorAmr], ACR_MFA),
  };
}

/** G3: does this sign-in's decision accept the method (what enrollment may offer)? */
export function accepts(step: MfaStep, type: FactorType): boolean {
  const accepted = step.decision.acceptedMethods;
  return accepted === undefined || accepted.includes(type);
}

/**
 * Finishes the MFA step: the same account signs in again with the upgraded amr/acr (L4), through
 * the provider's interactionResult. It reads the interaction and its session again, which this
 * request already read: the request memo (src/store/ephemeral/request-memo.ts) answers both, so no
 * round trip is added (issue 10: the provider's own calls, the saving in one documented place).
 */
export async function completeMfa(
  ctx: Context,
  provider: Provider,
  step: Omit<MfaStep, 'flow'>,
  factorAmr: string[],
  acr: string,
): Promise<string> {
  const amr = withSecondFactor(step.amr, factorAmr);
  // V3: the auth time is when this request read the factors it checked, so a code that raced a
  // reset yields a session that is void from the start.
  const ts = authTimeFor(step.state.user, step.startedAt);
  const returnTo = await provider.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId: step.state.user.id, amr, acr, ts } },
    { mergeWithLastSubmission: false },
  );
  // G5: the session's second factor is fresh for adding or removing a method on the settings page
  // (the session keeps its uid when the same account signs in again).
  if (step.sessionUid) await step.binding.record(step.sessionUid);
  return returnTo;
}
