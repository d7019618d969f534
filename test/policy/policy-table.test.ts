// P1–P6: the default policy hook over every combination of plan × owner switch × SSO × enrolled
// factors × portfolio. The expectations are written from SPEC.md's sentences, row by row.
import assert from 'node:assert/strict';
import { defaultMfaPolicy, type PolicyContext } from '../../src/mfa/policy.ts';
import { ACR_MFA, ACR_PHR } from '../../src/oidc/acr.ts';
import type { FactorType, Plan } from '../../src/store/records.ts';

type Sso =
  | 'none'
  | 'enforced-signed-in-via-sso'
  | 'enforced-signed-in-with-password'
  | 'optional-signed-in-via-sso';
type Portfolio = 'single' | 'plus-paid-org' | 'plus-free-org';

const PLANS: Plan[] = ['free', 'paid'];
const SWITCHES = [false, true];
const SSOS: Sso[] = [
  'none',
  'enforced-signed-in-via-sso',
  'enforced-signed-in-with-password',
  'optional-signed-in-via-sso',
];
const ENROLLED: FactorType[][] = [[], ['totp', 'backup_code'], ['sms'], ['totp', 'backup_code', 'sms']];
const PORTFOLIOS: Portfolio[] = ['single', 'plus-paid-org', 'plus-free-org'];

function contextFor(
  plan: Plan,
  requireMfa: boolean,
  sso: Sso,
  enrolled: FactorType[],
  portfolio: Portfolio,
  acr: string[] = [],
): PolicyContext {
  const main = {
    id: 'org-main',
    name: 'Main',
    plan,
    requireMfaForAllUsers: requireMfa,
    ssoEnforced: sso.startsWith('enforced'),
  };
  const memberships = [{ role: 'member' as const, org: main }];
  if (portfolio !== 'single') {
    const other = {
      id: 'org-other',
      name: 'Other',
      plan: portfolio === 'plus-paid-org' ? ('paid' as const) : ('free' as const),
      requireMfaForAllUsers: false,
      ssoEnforced: false,
    };
    memberships.push({ role: 'member', org: other });
  }
  const viaSso = sso === 'enforced-signed-in-via-sso' || sso === 'optional-signed-in-via-sso';
  return {
    user: { id: 'u1', email: 'u1@example.test' },
    memberships,
    enrolled,
    authentication: viaSso ? { amr: ['fed'], ssoOrgId: 'org-main' } : { amr: ['pwd'] },
    requestedAcr: acr,
  };
}

/** SPEC, sentence by sentence. */
function expected(plan: Plan, requireMfa: boolean, sso: Sso, enrolled: FactorType[], portfolio: Portfolio) {
  // P2: "a sign-in that came through that organization's SSO connection is not asked for MFA on its behalf"
  const mainExempt = sso === 'enforced-signed-in-via-sso';
  // P1: "mandatory for a user who belongs to any paid organization, or to any organization whose owner has switched on requireMfaForAllUsers"
  const mainMandates = (plan === 'paid' || requireMfa) && !mainExempt;
  const otherMandates = portfolio === 'plus-paid-org';
  const mandatory = mainMandates || otherMandates;
  const hasMethod = enrolled.includes('totp') || enrolled.includes('sms');
  if (mandatory) return { requirement: 'required', mustEnroll: !hasMethod };
  // P2 takes precedence over P4 for that sign-in ("the other security measure takes precedence")
  if (mainExempt) return { requirement: 'exempt', mustEnroll: false };
  // P4: "A user who has enrolled any factor is always asked for it at sign-in"
  if (hasMethod) return { requirement: 'required', mustEnroll: false };
  return { requirement: 'optional', mustEnroll: false };
}

describe('MFA policy table (P1–P5, default hook)', () => {
  let rows = 0;
  for (const plan of PLANS)
    for (const requireMfa of SWITCHES)
      for (const sso of SSOS)
        for (const enrolled of ENROLLED)
          for (const portfolio of PORTFOLIOS) {
            rows++;
            const want = expected(plan, requireMfa, sso, enrolled, portfolio);
            it(`plan=${plan} switch=${requireMfa ? 'on' : 'off'} sso=${sso} enrolled=[${enrolled.join(',')}] portfolio=${portfolio} → ${want.requirement}${want.mustEnroll ? ' (enroll)' : ''}`, () => {
              const got = defaultMfaPolicy(contextFor(plan, requireMfa, sso, enrolled, portfolio));
              assert.equal(got.requirement, want.requirement);
              assert.equal(got.mustEnroll, want.mustEnroll);
              if (got.requirement === 'required' && !got.mustEnroll) {
                // L2: the app outranks SMS; backup codes only come with the app.
                assert.equal(got.preferred, enrolled.includes('totp') ? 'totp' : 'sms');
                assert.equal(got.allowedFactors.includes('backup_code'), enrolled.includes('totp'));
              }
            });
          }
  it('the table has every combination (2 × 2 × 4 × 4 × 3 = 192 rows)', () => assert.equal(rows, 192));

  it('P6: acr_values asking for MFA makes it required even for an optional or SSO-exempt sign-in', () => {
    for (const sso of ['none', 'enforced-signed-in-via-sso'] as Sso[]) {
      const got = defaultMfaPolicy(contextFor('free', false, sso, [], 'single', [ACR_MFA]));
      assert.equal(got.requirement, 'required');
      assert.equal(got.reason, 'step_up');
      assert.equal(got.mustEnroll, true);
    }
  });

  it('P1: the reason names the organization that mandates MFA (paid before owner switch)', () => {
    const got = defaultMfaPolicy(contextFor('free', true, 'none', [], 'plus-paid-org'));
    assert.equal(got.reason, 'org_paid_plan');
    assert.equal(got.orgId, 'org-other');
  });
});

// F2: the connection setting "trust upstream MFA only" — an SSO sign-in through the enforcing
// organization is exempt only when the upstream reported MFA; otherwise the organization's own
// mandate (and P4) applies as if the sign-in had not come through its SSO.
describe('MFA policy table: "trust upstream MFA only" (F2, P2, default hook)', () => {
  let rows = 0;
  for (const plan of PLANS)
    for (const requireMfa of SWITCHES)
      for (const enrolled of ENROLLED)
        for (const portfolio of PORTFOLIOS)
          for (const upstreamMfa of [false, true]) {
            rows++;
            const sso: Sso = upstreamMfa ? 'enforced-signed-in-via-sso' : 'enforced-signed-in-with-password';
            const want = expected(plan, requireMfa, sso, enrolled, portfolio);
            it(`plan=${plan} switch=${requireMfa ? 'on' : 'off'} enrolled=[${enrolled.join(',')}] portfolio=${portfolio} upstream-mfa=${upstreamMfa} → ${want.requirement}${want.mustEnroll ? ' (enroll)' : ''}`, () => {
              const context = contextFor(plan, requireMfa, 'enforced-signed-in-via-sso', enrolled, portfolio);
              context.memberships[0].org = { ...context.memberships[0].org, trustUpstreamMfaOnly: true };
              context.authentication = { ...context.authentication, upstreamMfa };
              const got = defaultMfaPolicy(context);
              assert.equal(got.requirement, want.requirement);
              assert.equal(got.mustEnroll, want.mustEnroll);
            });
          }
  it('the table has every combination (2 × 2 × 4 × 3 × 2 = 96 rows)', () => assert.equal(rows, 96));

  it('F2: without the setting, upstream MFA makes no difference to an enforced SSO sign-in', () => {
    for (const upstreamMfa of [false, true]) {
      const context = contextFor('paid', false, 'enforced-signed-in-via-sso', [], 'single');
      context.authentication = { ...context.authentication, upstreamMfa };
      assert.equal(defaultMfaPolicy(context).requirement, 'exempt');
    }
  });
});

// V1: a locked factor still counts as enrolled; only the usable ones may complete the step.
describe('MFA policy table: locked factors (V1, default hook)', () => {
  const locked = (plan: Plan, enrolled: FactorType[], usable: FactorType[]) =>
    defaultMfaPolicy({ ...contextFor(plan, false, 'none', enrolled, 'single'), usable });

  it('V1: a voluntary user whose app is locked stays required, with nothing to use and nothing to enroll', () => {
    const got = locked('free', ['totp'], []);
    assert.deepEqual(
      [got.requirement, got.reason, got.mustEnroll, got.locked, got.preferred, got.allowedFactors],
      ['required', 'enrolled', false, true, null, []],
    );
  });

  it('V1: a paid member whose app is locked is not sent to enrollment (no P5 for a locked method)', () => {
    const got = locked('paid', ['totp', 'backup_code'], []);
    assert.deepEqual([got.requirement, got.mustEnroll, got.locked], ['required', false, true]);
  });

  it('V1, T3: a locked app with backup codes left offers the backup code', () => {
    const got = locked('free', ['totp', 'backup_code'], ['backup_code']);
    assert.deepEqual(
      [got.locked, got.preferred, got.allowedFactors],
      [false, 'backup_code', ['backup_code']],
    );
  });

  it('V1, L2: SMS locked, app usable: the app (and backup codes), not SMS', () => {
    const got = locked('paid', ['totp', 'backup_code', 'sms'], ['totp', 'backup_code']);
    assert.deepEqual(
      [got.preferred, got.allowedFactors, got.locked],
      ['totp', ['totp', 'backup_code'], false],
    );
  });
});

// W2, W5: passkeys in the policy — the strongest method is asked for first, and a request for the
// phishing-resistant acr is met by a passkey only.
describe('MFA policy: passkeys and the phr acr (W2, W5, default hook)', () => {
  const ctx = (enrolled: FactorType[], acr: string[] = [], usable?: FactorType[]) => ({
    ...contextFor('paid', false, 'none', enrolled, 'single', acr),
    ...(usable ? { usable } : {}),
  });

  it('W2: with a passkey and the app, the passkey is preferred; the app and backup codes stay alternatives', () => {
    const got = defaultMfaPolicy(ctx(['passkey', 'totp', 'backup_code', 'sms']));
    assert.equal(got.preferred, 'passkey');
    assert.deepEqual(got.allowedFactors, ['passkey', 'totp', 'sms', 'backup_code']);
    assert.equal(got.phishingResistant, undefined);
  });

  it('W5: acr phr is required even where MFA is optional, and only a passkey is allowed', () => {
    const got = defaultMfaPolicy({
      ...contextFor('free', false, 'none', ['passkey', 'totp', 'backup_code'], 'single', [ACR_PHR]),
    });
    assert.equal(got.requirement, 'required');
    assert.equal(got.reason, 'phishing_resistant');
    assert.equal(got.phishingResistant, true);
    assert.deepEqual(got.allowedFactors, ['passkey']);
    assert.equal(got.preferred, 'passkey');
    assert.equal(got.mustEnroll, false);
  });

  it('W5, P5: acr phr without a passkey leads to adding one (the app does not count)', () => {
    const got = defaultMfaPolicy(ctx(['totp', 'backup_code'], [ACR_PHR]));
    assert.equal(got.mustEnroll, true);
    assert.deepEqual(got.allowedFactors, []);
    assert.deepEqual(got.acceptedMethods, ['passkey']);
  });

  it('W5, V1: acr phr with every passkey locked offers nothing else', () => {
    const got = defaultMfaPolicy(ctx(['passkey', 'totp', 'backup_code'], [ACR_PHR], ['totp', 'backup_code']));
    assert.equal(got.locked, true);
    assert.equal(got.mustEnroll, false);
    assert.deepEqual(got.allowedFactors, []);
  });

  it('P6, W5: acr_values that accept mfa or phr are met by any second factor', () => {
    const got = defaultMfaPolicy(ctx(['totp', 'backup_code'], [ACR_MFA, ACR_PHR]));
    assert.equal(got.reason, 'step_up');
    assert.equal(got.phishingResistant, undefined);
    assert.equal(got.preferred, 'totp');
  });
});
