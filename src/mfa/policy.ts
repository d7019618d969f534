// The MFA policy hook (P1–P6): one pure function, data in, decision out. Routes and the provider
// ask it; they never re-derive the rules. A host replaces it through `createApp({ mfaPolicy })`.
import { ACR_MFA, ACR_PHR, requestsPhishingResistant } from '../oidc/acr.ts';
import type { FactorType, Organization, Role } from '../store/records.ts';
import { byStrength, FACTOR_MODULES, isMethod, isPhishingResistant, moduleOf } from './registry.ts';

export type MfaRequirement = 'required' | 'optional' | 'exempt';

export interface PolicyContext {
  user: { id: string; email: string };
  memberships: Array<{
    role: Role;
    org: Pick<Organization, 'id' | 'name' | 'plan' | 'requireMfaForAllUsers' | 'ssoEnforced'> & {
      /** The org's SSO connection setting "trust upstream MFA only" (F2): see `upstreamMfa`. */
      trustUpstreamMfaOnly?: boolean;
      /** G2: the org's mandate applies from this date on (grace period); null/absent: at once. */
      mfaEnforcedFrom?: Date | null;
      /** G3: the methods that satisfy MFA for its members; null/absent: all. */
      allowedMethods?: FactorType[] | null;
      /** G4: days a member's device may be remembered after MFA; 0/absent: never. */
      rememberDeviceDays?: number;
    };
  }>;
  /** The decision's clock (G2): the decision point passes it; default the current time. */
  now?: Date;
  /** Factors the user has enrolled, locked or not (V1: a locked factor never lowers what is asked). */
  enrolled: FactorType[];
  /** The enrolled factors that can be used now (not locked; backup codes left). Default: `enrolled`. */
  usable?: FactorType[];
  /** How this session authenticated so far. */
  authentication: {
    amr: string[];
    /** Set when the sign-in came through an organization's enterprise SSO connection (F1). */
    ssoOrgId?: string;
    /** The upstream provider of that sign-in reported multi-factor authentication (src/sso/amr.ts). */
    upstreamMfa?: boolean;
    /**
     * G4: this session's browser holds a remembered device of the user (src/mfa/remembered-device.ts):
     * when it was remembered and until when. Whether it stands in for the second factor is decided here.
     */
    rememberedDevice?: { rememberedAt: Date; expiresAt: Date };
  };
  client?: { clientId: string };
  /** acr values the relying party asked for (acr_values, or an essential acr claim). */
  requestedAcr: string[];
  /** The relying party demands a fresh authentication (max_age, prompt=login; OIDC Core). */
  reauthentication?: boolean;
}

export type MfaReason =
  | 'org_paid_plan' // P1
  | 'org_requires_mfa' // P1
  | 'sso_exempt' // P2
  | 'enrolled' // P4
  | 'step_up' // P6
  | 'phishing_resistant' // W5: the relying party asked for acr phr
  | 'grace_period' // G2: mandated from `graceUntil` on
  | 'not_required';

export interface MfaDecision {
  requirement: MfaRequirement;
  reason: MfaReason;
  /** The organization behind a mandate or an exemption, for the pages and the audit log. */
  orgId?: string;
  /** Factors the user may complete the step with, strongest first. */
  allowedFactors: FactorType[];
  /** The factor the MFA page asks for first (L2: the app outranks SMS). */
  preferred: FactorType | null;
  /** Required but nothing enrolled: enroll inside the sign-in (P5). */
  mustEnroll: boolean;
  /**
   * Required, enrolled, but nothing usable (every method locked, no backup code left): no code
   * and no enrollment; only a reset by an owner, admin or support helps (V1, R1, R2).
   */
  locked?: boolean;
  /** G2: MFA becomes required on this date (a reminder until then; never past it). */
  graceUntil?: Date;
  /**
   * G3: the methods that satisfy this decision, strongest first (the strictest combination of the
   * user's organizations); what enrollment offers. Absent: every method.
   */
  acceptedMethods?: FactorType[];
  /** W5: only a phishing-resistant method (a passkey) satisfies this decision (acr phr). */
  phishingResistant?: boolean;
  /** G4: this step may offer "don't ask again on this device" for this many days (absent: not offered). */
  rememberDays?: number;
  /** G4: the session's remembered device meets this requirement: no second factor is asked. */
  rememberedDevice?: boolean;
}

export type MfaPolicy = (context: PolicyContext) => MfaDecision;

/** The factors a step may use, strongest first: the usable ones (default: all enrolled). */
export function allowedFactorsOf(enrolled: FactorType[], usable: FactorType[] = enrolled): FactorType[] {
  // A companion (backup codes, T3) is usable while what it comes with is enrolled — even locked.
  return usable
    .filter((f) => enrolled.includes(f))
    .filter((f) => {
      const companionOf = moduleOf(f).companionOf;
      return companionOf === undefined || enrolled.includes(companionOf);
    })
    .sort(byStrength);
}

/**
 * G3: the methods accepted across these organizations — the intersection of every restriction
 * (the strictest combination); undefined when none restricts. Restrictions that share no method
 * leave the strongest method any of them names, so nobody is left without a way in.
 */
export function acceptedMethodsOf(orgs: Array<{ allowedMethods?: FactorType[] | null }>) {
  const lists = orgs.map((o) => o.allowedMethods).filter((l): l is FactorType[] => Array.isArray(l));
  if (lists.length === 0) return undefined;
  const both = lists.reduce((a, l) => a.filter((f) => l.includes(f))).filter(isMethod);
  const accepted = both.length > 0 ? both : [...new Set(lists.flat())].filter(isMethod).sort(byStrength);
  return accepted.sort(byStrength).slice(0, both.length > 0 ? undefined : 1);
}

/** G4: the strictest (smallest) allowance across these organizations; none at all: never. */
export function rememberDaysOf(orgs: Array<{ rememberDeviceDays?: number }>): number {
  if (orgs.length === 0) return 0;
  return Math.max(0, Math.min(...orgs.map((o) => o.rememberDeviceDays ?? 0)));
}

/**
 * G4: a remembered device stands in for the second factor only for a mandate or an enrolled method
 * (never when the relying party asked for an acr — step-up, phr — or for a fresh authentication),
 * only with a method that can still be used, and only while it is younger than the allowance now.
 */
function rememberingOf(context: PolicyContext, now: Date, usable: boolean) {
  const asked = context.requestedAcr.length > 0 || context.reauthentication === true;
  const days = asked || !usable ? 0 : rememberDaysOf(context.memberships.map((m) => m.org));
  const device = context.authentication.rememberedDevice;
  const honoured =
    days > 0 &&
    device !== undefined &&
    device.expiresAt.getTime() > now.getTime() &&
    now.getTime() - device.rememberedAt.getTime() <= days * 86_400_000;
  return { ...(days > 0 ? { rememberDays: days } : {}), ...(honoured ? { rememberedDevice: true } : {}) };
}

/** G3: a factor counts when it is accepted, or comes with an accepted method (backup codes, T3). */
const acceptedBy = (accepted: FactorType[] | undefined) => (f: FactorType) =>
  accepted === undefined || accepted.includes(moduleOf(f).companionOf ?? f);

/**
 * W5: the decision narrowed to phishing-resistant methods: without one enrolled the person adds one
 * inside the sign-in (P5); with one enrolled but none usable nothing else is offered (V1). A host's
 * hook requires phr per organization or client by asking this hook as if the relying party had:
 * `defaultMfaPolicy({ ...context, requestedAcr: [ACR_PHR] })` (README "The policy hook").
 */
function phishingResistantOnly(decision: MfaDecision, enrolled: FactorType[]): MfaDecision {
  const allowedFactors = decision.allowedFactors.filter(isPhishingResistant);
  const has = enrolled.some(isPhishingResistant);
  // A remembered device (G4) never stands in for a passkey.
  const { rememberDays: _days, rememberedDevice: _device, ...rest } = decision;
  return {
    ...rest,
    allowedFactors,
    preferred: allowedFactors[0] ?? null,
    mustEnroll: !has,
    locked: has && allowedFactors.length === 0,
    // What enrollment may offer: a phishing-resistant method, whatever else an organization accepts.
    acceptedMethods: FACTOR_MODULES.map((m) => m.type).filter(isPhishingResistant),
    phishingResistant: true,
  };
}

export const defaultMfaPolicy: MfaPolicy = (context) => {
  const now = context.now ?? new Date();
  // G3: only the methods every organization accepts satisfy the step (others are not offered).
  const accepted = acceptedMethodsOf(context.memberships.map((m) => m.org));
  const ok = acceptedBy(accepted);
  // V1: locked methods count as enrolled (P4, no P5 enrollment); only usable ones may be used.
  const methods = context.enrolled.filter(isMethod).filter(ok);
  const allowedFactors = allowedFactorsOf(context.enrolled, context.usable).filter(ok);
  const preferred = allowedFactors.find(isMethod) ?? allowedFactors[0] ?? null;
  const usable = methods.length > 0 && allowedFactors.length > 0;
  const decide = (requirement: MfaRequirement, reason: MfaReason, orgId?: string): MfaDecision => ({
    requirement,
    reason,
    orgId,
    allowedFactors: requirement === 'required' ? allowedFactors : [],
    preferred: requirement === 'required' ? preferred : null,
    mustEnroll: requirement === 'required' && methods.length === 0,
    locked: requirement === 'required' && methods.length > 0 && allowedFactors.length === 0,
    ...(accepted ? { acceptedMethods: accepted } : {}),
    ...(requirement === 'required' ? rememberingOf(context, now, usable) : {}),
  });

  const stepUp =
    context.requestedAcr.length > 0 && context.requestedAcr.every((v) => v === ACR_MFA || v === ACR_PHR);
  const { viaEnforcedSso, mandates, soonest } = mandatesOf(context, now);

  // W5: a request for phr is met by a phishing-resistant method only; P6: else any second factor.
  if (stepUp && requestsPhishingResistant(context.requestedAcr))
    return phishingResistantOnly(decide('required', 'phishing_resistant'), context.enrolled);
  if (stepUp) return decide('required', 'step_up'); // P6: the relying party demands it
  const paid = mandates.find((m) => m.org.plan === 'paid');
  if (paid) return decide('required', 'org_paid_plan', paid.org.id);
  if (mandates[0]) return decide('required', 'org_requires_mfa', mandates[0].org.id);
  if (viaEnforcedSso) return decide('exempt', 'sso_exempt', viaEnforcedSso.org.id);
  // P4, V1: locked ones too; G3: an enrolled method no organization accepts leads to enrollment.
  if (context.enrolled.some(isMethod)) return decide('required', 'enrolled');
  if (soonest)
    return {
      ...decide('optional', 'grace_period', soonest.org.id),
      graceUntil: soonest.org.mfaEnforcedFrom!,
    };
  return decide('optional', 'not_required');
};

/**
 * The memberships that mandate MFA for this sign-in (paid plan or require-MFA), in force now or
 * (G2) the soonest still ahead, and the organization whose enforced SSO it came through (P2).
 */
function mandatesOf(context: PolicyContext, now: Date) {
  const sso = context.authentication.ssoOrgId;
  // P2: the organization whose enforced SSO this sign-in came through relies on its own IdP; with
  // "trust upstream MFA only" only when that IdP reported MFA, else our own step runs (F2).
  const viaEnforcedSso = context.memberships.find(
    (m) =>
      m.org.id === sso &&
      m.org.ssoEnforced &&
      (!m.org.trustUpstreamMfaOnly || context.authentication.upstreamMfa === true),
  );
  const mandating = context.memberships.filter(
    (m) => (m.org.plan === 'paid' || m.org.requireMfaForAllUsers) && m.org.id !== viaEnforcedSso?.org.id,
  );
  // G2: a mandate with an enforcement date still ahead is a reminder, not a requirement.
  const pending = (m: (typeof mandating)[number]) =>
    m.org.mfaEnforcedFrom != null && m.org.mfaEnforcedFrom.getTime() > now.getTime();
  const mandates = mandating.filter((m) => !pending(m));
  const soonest = mandating
    .filter(pending)
    .sort((a, b) => +a.org.mfaEnforcedFrom! - +b.org.mfaEnforcedFrom!)[0];
  return { viaEnforcedSso, mandates, soonest };
}
