// The MFA policy hook (P1–P6): one pure function, data in, decision out. Routes and the provider
// ask it; they never re-derive the rules. A host replaces it through `createApp({ mfaPolicy })`.
import { ACR_MFA } from '../oidc/acr.ts';
import type { FactorType, Organization, Role } from '../store/records.ts';
import { byStrength, isMethod, moduleOf } from './registry.ts';

export type MfaRequirement = 'required' | 'optional' | 'exempt';

export interface PolicyContext {
  user: { id: string; email: string };
  memberships: Array<{
    role: Role;
    org: Pick<Organization, 'id' | 'name' | 'plan' | 'requireMfaForAllUsers' | 'ssoEnforced'> & {
      /** The org's SSO connection setting "trust upstream MFA only" (F2): see `upstreamMfa`. */
      trustUpstreamMfaOnly?: boolean;
    };
  }>;
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
  };
  client?: { clientId: string };
  /** acr values the relying party asked for (acr_values, or an essential acr claim). */
  requestedAcr: string[];
}

export type MfaReason =
  | 'org_paid_plan' // P1
  | 'org_requires_mfa' // P1
  | 'sso_exempt' // P2
  | 'enrolled' // P4
  | 'step_up' // P6
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

export const defaultMfaPolicy: MfaPolicy = (context) => {
  // V1: locked methods count as enrolled (P4, no P5 enrollment); only usable ones may be used.
  const methods = context.enrolled.filter(isMethod);
  const allowedFactors = allowedFactorsOf(context.enrolled, context.usable);
  const preferred = allowedFactors.find(isMethod) ?? allowedFactors[0] ?? null;
  const decide = (requirement: MfaRequirement, reason: MfaReason, orgId?: string): MfaDecision => ({
    requirement,
    reason,
    orgId,
    allowedFactors: requirement === 'required' ? allowedFactors : [],
    preferred: requirement === 'required' ? preferred : null,
    mustEnroll: requirement === 'required' && methods.length === 0,
    locked: requirement === 'required' && methods.length > 0 && allowedFactors.length === 0,
  });

  const stepUp = context.requestedAcr.length > 0 && context.requestedAcr.every((v) => v === ACR_MFA);
  const sso = context.authentication.ssoOrgId;
  // P2: the organization whose enforced SSO this sign-in came through relies on its own IdP; with
  // "trust upstream MFA only" only when that IdP reported MFA, else our own step runs (F2).
  const viaEnforcedSso = context.memberships.find(
    (m) =>
      m.org.id === sso &&
      m.org.ssoEnforced &&
      (!m.org.trustUpstreamMfaOnly || context.authentication.upstreamMfa === true),
  );
  const mandates = context.memberships.filter(
    (m) => (m.org.plan === 'paid' || m.org.requireMfaForAllUsers) && m.org.id !== viaEnforcedSso?.org.id,
  );

  if (stepUp) return decide('required', 'step_up'); // P6: the relying party demands it
  const paid = mandates.find((m) => m.org.plan === 'paid');
  if (paid) return decide('required', 'org_paid_plan', paid.org.id);
  if (mandates[0]) return decide('required', 'org_requires_mfa', mandates[0].org.id);
  if (viaEnforcedSso) return decide('exempt', 'sso_exempt', viaEnforcedSso.org.id);
  if (methods.length > 0) return decide('required', 'enrolled'); // P4, V1: locked ones too
  return decide('optional', 'not_required');
};
