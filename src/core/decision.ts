// The one MFA decision point (P3, V7). Every place that asks "must this person use a second factor,
// has this session or token done it, may this method go?" asks here: the interaction gate, the MFA
// step, the account pages, the token endpoint. It builds the policy hook's context once — the user,
// their organizations, every enrolled factor with its state, how the session or token authenticated
// (amr and the SSO mark of P2), the acr the relying party asked for through `acr_values` *and* the
// claims parameter, whether it demands a fresh authentication, the client, the remembered device
// of G4 — and asks the hook (src/mfa/policy.ts). Nothing else derives a rule.
import { defaultMfaPolicy, type MfaDecision, type MfaPolicy, type PolicyContext } from '../mfa/policy.ts';
import { isMethod } from '../mfa/registry.ts';
import { ACR_MFA, ACR_PHR, essentialAcrOf, requestsMfa } from '../oidc/acr.ts';
import type { SsoAuthentication } from '../sso/session-mark.ts';
import type { FactorType, MembershipWithOrg, User } from '../store/records.ts';

/** What the decision needs to know of the user (src/mfa/service.ts `load`). */
export interface DecisionState {
  user: Pick<User, 'id' | 'email'>;
  memberships: MembershipWithOrg[];
  /** Enrolled factor types, locked or not (V1). */
  enrolled: FactorType[];
  /** The enrolled types that can be used now (default: all enrolled). */
  usable?: FactorType[];
}

/** How a session, or a token issued under one, authenticated. */
export interface Authenticated {
  amr: string[];
  /** The provider session's uid: the key of its SSO mark (src/sso/session-mark.ts). */
  uid?: string;
  /** The session's acr (W5: `phr` after a passkey). */
  acr?: string;
}

/** What the relying party asked for in this authorization request (or, at the token endpoint, nothing). */
export interface Asked {
  clientId?: string;
  acrValues?: string;
  /** The claims parameter, parsed or as sent: an essential acr counts like acr_values (P6). */
  claims?: unknown;
  /** max_age or prompt=login: a fresh authentication is demanded (see reauthenticationAsked). */
  reauthentication?: boolean;
}

/** G4: the remembered device of a session (src/mfa/remembered-device.ts), as the policy sees it. */
export interface RememberedDeviceInput {
  rememberedAt: Date;
  expiresAt: Date;
}

/** How a session authenticated, with its marks: the SSO mark (P2) and a remembered device (G4). */
export type Authentication = { amr?: string[]; rememberedDevice?: RememberedDeviceInput } & SsoAuthentication;

export interface DecisionPointDeps<S extends DecisionState> {
  policy: MfaPolicy;
  load(userId: string): Promise<S | undefined>;
  ssoMark(authenticated: Authenticated & { accountId: string }): Promise<SsoAuthentication>;
  /** G4: the session's remembered device, if it has one (absent: no device is ever remembered). */
  rememberedDevice?(
    authenticated: Authenticated & { accountId: string },
  ): Promise<RememberedDeviceInput | undefined>;
  /** G4: REMEMBER_DEVICE_MAX_DAYS; an organization's allowance never counts for more (default 0). */
  maxRememberDays?: number;
  /** The decision's clock (G2 enforcement dates), ms; default Date.now. Tests pass their own. */
  now?: () => number;
}

export type Removal = { ok: true } | { ok: false; reason: 'not_enrolled' | 'last_method' };

/** The acr values this request demands: acr_values when only MFA is acceptable, and an essential acr. */
export function requestedAcrOf(asked: Asked): string[] {
  const values = requestsMfa(asked.acrValues) ? (asked.acrValues ?? '').split(' ').filter(Boolean) : [];
  return [...values, ...essentialAcrOf(asked.claims)];
}

/** max_age (a client's default_max_age included) or prompt=login in an authorization request's parameters. */
export function reauthenticationAsked(params: { max_age?: unknown; prompt?: unknown } | undefined): boolean {
  if (!params) return false;
  const prompt = typeof params.prompt === 'string' ? params.prompt.split(' ') : [];
  return (params.max_age !== undefined && params.max_age !== null) || prompt.includes('login');
}

/** G2: the decision is a reminder with a deadline (no method yet, the enforcement date ahead). */
export function isGraceReminder(decision: MfaDecision): boolean {
  return decision.requirement === 'optional' && decision.graceUntil !== undefined;
}

/** The policy hook's context: built here only (P3). */
function contextOf(
  state: DecisionState,
  authentication: Authentication & { amr: string[] },
  asked: Asked,
  limits: { maxRememberDays: number; now: number },
): PolicyContext {
  return {
    user: { id: state.user.id, email: state.user.email },
    memberships: state.memberships.map((m) => ({
      role: m.role,
      org: {
        ...m.org,
        trustUpstreamMfaOnly: m.org.sso?.trustUpstreamMfaOnly === true,
        rememberDeviceDays: Math.min(m.org.rememberDeviceDays ?? 0, limits.maxRememberDays),
      },
    })),
    enrolled: state.enrolled,
    usable: state.usable,
    authentication: {
      amr: authentication.amr,
      ssoOrgId: authentication.ssoOrgId,
      upstreamMfa: authentication.upstreamMfa,
      ...(authentication.rememberedDevice ? { rememberedDevice: authentication.rememberedDevice } : {}),
    },
    client: asked.clientId ? { clientId: asked.clientId } : undefined,
    requestedAcr: requestedAcrOf(asked),
    reauthentication: asked.reauthentication === true,
    now: new Date(limits.now),
  };
}

/**
 * Does a session or token with this amr (and acr) meet the decision? ("done" is decided here
 * only.) A remembered device meets it where the hook said so (G4); the amr stays what it was.
 * Only a passkey in this session (acr phr) meets a phishing-resistant decision (W5).
 */
function satisfied(decision: MfaDecision, amr: string[], acr?: string): boolean {
  if (decision.requirement !== 'required') return true;
  if (decision.phishingResistant) return acr === ACR_PHR;
  return amr.includes('mfa') || decision.rememberedDevice === true;
}

type Decide = (state: DecisionState, authentication: Authentication, asked?: Asked) => MfaDecision;
type MarksOf = (authenticated: Authenticated & { accountId: string }) => Promise<Authentication>;

export function createDecisionPoint<S extends DecisionState>(deps: DecisionPointDeps<S>) {
  const { policy } = deps;
  const clock = deps.now ?? Date.now;
  const maxRememberDays = deps.maxRememberDays ?? 0;

  /** The hook's decision for this user, session and request. */
  const decide: Decide = (state, authentication, asked = {}) =>
    policy(
      contextOf(state, { ...authentication, amr: authentication.amr ?? [] }, asked, {
        maxRememberDays,
        now: clock(),
      }),
    );

  /** The session's marks for the decision: SSO (P2) and remembered device (G4), in parallel. */
  const marksOf: MarksOf = async (authenticated) => {
    const [mark, rememberedDevice] = await Promise.all([
      deps.ssoMark(authenticated),
      deps.rememberedDevice?.(authenticated),
    ]);
    return { ...mark, ...(rememberedDevice ? { rememberedDevice } : {}) };
  };

  /** Is MFA mandatory for the user whatever the session (M3/M4: may the last method go)? */
  function mandatory(state: DecisionState): boolean {
    return decide({ ...state, enrolled: [], usable: [] }, { amr: [] }, {}).requirement === 'required';
  }

  /**
   * May this method be removed (M3, M4, S6)? Backup codes are no method of their own (T3) and a
   * locked method keeps nobody signed-in-able: only another usable method lets the last one go.
   */
  function canRemove(state: DecisionState, type: FactorType): Removal {
    if (!state.enrolled.includes(type)) return { ok: false, reason: 'not_enrolled' };
    // G3: only a method the user's organizations accept keeps them able to sign in.
    const accepted = decide(state, {}).acceptedMethods;
    const others = (state.usable ?? state.enrolled).filter(
      (f) => f !== type && isMethod(f) && (accepted === undefined || accepted.includes(f)),
    );
    if (others.length === 0 && mandatory(state)) return { ok: false, reason: 'last_method' };
    return { ok: true };
  }

  return { decide, satisfied, mandatory, canRemove, ...sessionQuestions(deps, decide, marksOf), marksOf };
}

/** The questions about a session or token: does it still need the step (V7), a grace reminder (G2)? */
function sessionQuestions<S extends DecisionState>(
  deps: DecisionPointDeps<S>,
  decide: Decide,
  marksOf: MarksOf,
) {
  /**
   * Does this session or token still need the second factor for this request? Asked by the gate on
   * every authorization and by the token endpoint. A session that completed MFA meets every request
   * that asks for no more than MFA without reading the store (the hot path); an unknown user fails
   * closed (true). Store errors propagate (X2).
   */
  async function needsStep(
    accountId: string,
    authenticated: Authenticated,
    asked: Asked = {},
  ): Promise<boolean> {
    const requested = requestedAcrOf(asked);
    // The default hook asks for more than MFA only when the request does (phr, W5); a host's hook
    // may require phr itself (per organization or client), so only a phr session skips it then.
    const atMostMfa = deps.policy === defaultMfaPolicy && requested.every((v) => v === ACR_MFA);
    if (authenticated.amr.includes('mfa') && (atMostMfa || authenticated.acr === ACR_PHR)) return false;
    const who = { ...authenticated, accountId };
    // The default hook lets a remembered device only stand in for the second factor (G4), so its
    // mark is read only when the decision without it asks for one (issue 18: one round trip less
    // on most requests); a host's hook gets every input at once.
    const eager = deps.policy !== defaultMfaPolicy;
    const [state, marks] = await Promise.all([
      deps.load(accountId),
      eager ? marksOf(who) : deps.ssoMark(who),
    ]);
    if (!state) return true;
    const met = (m: Authentication) =>
      satisfied(decide(state, { ...m, amr: authenticated.amr }, asked), authenticated.amr, authenticated.acr);
    if (met(marks)) return false;
    if (eager || !deps.rememberedDevice) return true;
    const rememberedDevice = await deps.rememberedDevice(who);
    return !(rememberedDevice && met({ ...marks, rememberedDevice }));
  }

  /**
   * G2: is this a member without a method inside an organization's grace period (the decision is
   * 'optional' with a deadline)? The sign-in then shows the reminder once.
   */
  async function reminds(accountId: string, authenticated: Authenticated, asked: Asked = {}) {
    const [state, mark] = await Promise.all([
      deps.load(accountId),
      deps.ssoMark({ ...authenticated, accountId }),
    ]);
    if (!state) return false;
    return isGraceReminder(decide(state, { ...mark, amr: authenticated.amr }, asked));
  }

  return { needsStep, reminds };
}

export type DecisionPoint = ReturnType<typeof createDecisionPoint>;
