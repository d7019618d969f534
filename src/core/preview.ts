// G1: the enforcement preview — for every member of an organization, what a password (or, for the
// organization's SSO domains, an SSO) sign-in would decide if the organization's settings were
// changed as proposed. A dry run of the one decision point (src/core/decision.ts) with a
// hypothetical organization state; no rule is derived here.
import type { MfaReason } from '../mfa/policy.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import type { MembershipWithOrg, Organization, Role } from '../store/records.ts';
import type { DecisionPoint, DecisionState } from './decision.ts';

/** The proposed organization settings (absent: as today). */
export type Proposal = Partial<
  Pick<Organization, 'plan' | 'requireMfaForAllUsers' | 'mfaEnforcedFrom' | 'allowedMethods'>
>;

export type PreviewOutcome =
  | 'must_enroll' // P5: no accepted method; enrolls at the next sign-in
  | 'enrolled' // P4: asked for the method they have
  | 'sso_exempt' // P2: signs in through the organization's enforced SSO
  | 'required_elsewhere' // P1: another organization already requires MFA today
  | 'grace_period' // G2: reminded until the enforcement date
  | 'locked' // V1: every method locked: only a reset helps
  | 'not_required';

export interface PreviewRow {
  userId: string;
  email: string;
  role: Role;
  outcome: PreviewOutcome;
  /** The policy's own reason for the hypothetical decision. */
  reason: MfaReason;
  /** The organization behind it. */
  orgId: string | null;
  graceUntil: Date | null;
}

export interface PreviewMember {
  role: Role;
  state: DecisionState;
}

/** Does this member sign in through the organization's SSO connection (its domains, F1)? */
function signsInViaSso(org: Organization, email: string): boolean {
  const domain = email.split('@').pop()?.toLowerCase() ?? '';
  return org.ssoEnforced && (org.sso?.domains ?? []).some((d) => d.toLowerCase() === domain);
}

export function previewEnforcement(
  decisions: Pick<DecisionPoint, 'decide'>,
  org: Organization,
  proposal: Proposal,
  members: PreviewMember[],
): PreviewRow[] {
  const proposed = { ...org, ...proposal };
  return members.map(({ role, state }) => {
    const authentication = signsInViaSso(org, state.user.email)
      ? { amr: ['fed'], ssoOrgId: org.id }
      : { amr: ['pwd'] };
    const memberships: MembershipWithOrg[] = state.memberships.map((m) =>
      m.orgId === org.id ? { ...m, org: proposed } : m,
    );
    const today = decisions.decide(state, authentication);
    const decision = decisions.decide({ ...state, memberships }, authentication);
    const elsewhere =
      (today.reason === 'org_paid_plan' || today.reason === 'org_requires_mfa') && today.orgId !== org.id;
    const outcome: PreviewOutcome = elsewhere
      ? 'required_elsewhere'
      : decision.locked
        ? 'locked'
        : decision.mustEnroll
          ? 'must_enroll'
          : decision.requirement === 'required'
            ? 'enrolled'
            : decision.requirement === 'exempt'
              ? 'sso_exempt'
              : decision.graceUntil
                ? 'grace_period'
                : 'not_required';
    return {
      userId: state.user.id,
      email: state.user.email,
      role,
      outcome,
      reason: elsewhere ? today.reason : decision.reason,
      orgId: (elsewhere ? today.orgId : decision.orgId) ?? null,
      graceUntil: decision.graceUntil ?? null,
    };
  });
}

/** The preview as CSV (RFC 4180; cells that a spreadsheet would run as a formula are quoted flat). */
export function previewCsv(rows: PreviewRow[]): string {
  const cell = (v: string) => {
    const flat = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\r\n]/.test(flat) ? `"${flat.replaceAll('"', '""')}"` : flat;
  };
  const lines = rows.map((r) =>
    [r.email, r.role, r.outcome, r.reason, r.orgId ?? '', r.graceUntil?.toISOString() ?? '']
      .map(cell)
      .join(','),
  );
  return `${['email', 'role', 'outcome', 'reason', 'org_id', 'grace_until'].join(',')}\r\n${lines.map((l) => `${l}\r\n`).join('')}`;
}

/** The preview of one organization's members, each read with all their organizations and factors. */
export async function previewOrg(
  deps: {
    decisions: Pick<DecisionPoint, 'decide'>;
    load(userId: string): Promise<DecisionState | undefined>;
    sor: Pick<SystemOfRecord, 'listMembersOfOrg'>;
  },
  org: Organization,
  proposal: Proposal,
): Promise<PreviewRow[]> {
  const members = await deps.sor.listMembersOfOrg(org.id);
  const states = await Promise.all(members.map((m) => deps.load(m.userId)));
  const known = members.flatMap((m, i) => (states[i] ? [{ role: m.role, state: states[i] }] : []));
  return previewEnforcement(deps.decisions, org, proposal, known);
}
