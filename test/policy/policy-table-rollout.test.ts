// G2, G3: the default policy hook over an organization's enforcement date (grace period, with the
// decision's clock) and its allowed methods (the strictest combination across organizations).
// The expectations are written from SPEC.md's sentences and issue 17, row by row.
import assert from 'node:assert/strict';
import { defaultMfaPolicy, type PolicyContext } from '../../src/mfa/policy.ts';
import type { FactorType, Plan } from '../../src/store/records.ts';

const NOW = new Date('2027-03-01T12:00:00Z');
const DAY = 86_400_000;
type When = 'none' | 'future' | 'past';
type Other = 'none' | 'free' | 'paid';

interface OrgIn {
  id: string;
  plan: Plan;
  requireMfa?: boolean;
  from?: Date | null;
  allowed?: FactorType[] | null;
}

function context(orgs: OrgIn[], enrolled: FactorType[], now = NOW): PolicyContext {
  return {
    user: { id: 'u1', email: 'u1@example.test' },
    memberships: orgs.map((o) => ({
      role: 'member' as const,
      org: {
        id: o.id,
        name: o.id,
        plan: o.plan,
        requireMfaForAllUsers: o.requireMfa ?? false,
        ssoEnforced: false,
        mfaEnforcedFrom: o.from ?? null,
        allowedMethods: o.allowed ?? null,
      },
    })),
    enrolled,
    authentication: { amr: ['pwd'] },
    requestedAcr: [],
    now,
  };
}

const dateOf = (when: When) =>
  when === 'none' ? null : new Date(NOW.getTime() + (when === 'future' ? 7 : -1) * DAY);

describe('MFA policy table: grace period (G2, default hook)', () => {
  let rows = 0;
  for (const plan of ['free', 'paid'] as Plan[])
    for (const requireMfa of [false, true])
      for (const when of ['none', 'future', 'past'] as When[])
        for (const enrolled of [[], ['totp', 'backup_code'], ['sms']] as FactorType[][])
          for (const other of ['none', 'free', 'paid'] as Other[]) {
            rows++;
            // G2: "until then members without a method see a reminder … after it, P5 applies unchanged"
            const mandated = plan === 'paid' || requireMfa;
            const mainNow = mandated && when !== 'future';
            const mandatory = mainNow || other === 'paid';
            const hasMethod = enrolled.length > 0;
            const want = mandatory
              ? { requirement: 'required', mustEnroll: !hasMethod, grace: false }
              : hasMethod
                ? { requirement: 'required', mustEnroll: false, grace: false } // P4
                : { requirement: 'optional', mustEnroll: false, grace: mandated && when === 'future' };
            const label = `plan=${plan} switch=${requireMfa ? 'on' : 'off'} from=${when} enrolled=[${enrolled.join(',')}] other=${other} → ${want.requirement}${want.mustEnroll ? ' (enroll)' : ''}${want.grace ? ' (reminder)' : ''}`;
            it(`G2: ${label}`, () => {
              const orgs: OrgIn[] = [{ id: 'main', plan, requireMfa, from: dateOf(when) }];
              if (other !== 'none') orgs.push({ id: 'other', plan: other });
              const got = defaultMfaPolicy(context(orgs, enrolled));
              assert.equal(got.requirement, want.requirement);
              assert.equal(got.mustEnroll, want.mustEnroll);
              assert.equal(got.graceUntil?.getTime(), want.grace ? dateOf(when)?.getTime() : undefined);
              if (want.grace) assert.deepEqual([got.reason, got.orgId], ['grace_period', 'main']);
            });
          }
  it('the table has every combination (2 × 2 × 3 × 3 × 3 = 108 rows)', () => assert.equal(rows, 108));

  it('G2: the decision follows its clock — a reminder the day before, P5 from the date on', () => {
    const from = new Date(NOW.getTime() + DAY);
    const orgs: OrgIn[] = [{ id: 'main', plan: 'free', requireMfa: true, from }];
    const before = defaultMfaPolicy(context(orgs, [], new Date(from.getTime() - 1)));
    const at = defaultMfaPolicy(context(orgs, [], from));
    assert.deepEqual([before.requirement, before.graceUntil], ['optional', from]);
    assert.deepEqual([at.requirement, at.mustEnroll, at.graceUntil], ['required', true, undefined]);
  });

  it('G2: two organizations in their grace period: the earlier date is the deadline', () => {
    const soon = new Date(NOW.getTime() + 2 * DAY);
    const later = new Date(NOW.getTime() + 9 * DAY);
    const got = defaultMfaPolicy(
      context(
        [
          { id: 'later', plan: 'paid', from: later },
          { id: 'soon', plan: 'free', requireMfa: true, from: soon },
        ],
        [],
      ),
    );
    assert.deepEqual([got.graceUntil, got.orgId], [soon, 'soon']);
  });
});

type Allowed = FactorType[] | null;
const ALLOWED: Allowed[] = [null, ['totp'], ['sms'], ['totp', 'sms']];
const show = (a: Allowed | 'no-org') => (a === 'no-org' ? 'no-org' : a === null ? 'all' : a.join('+'));

describe('MFA policy table: allowed methods per organization (G3, default hook)', () => {
  let rows = 0;
  for (const main of ALLOWED)
    for (const other of ['no-org', ...ALLOWED] as Array<Allowed | 'no-org'>)
      for (const enrolled of [
        [],
        ['totp', 'backup_code'],
        ['sms'],
        ['totp', 'backup_code', 'sms'],
      ] as FactorType[][]) {
        rows++;
        // G3: "a member of several organizations gets the strictest combination" (intersection)
        const lists = [main, other === 'no-org' ? null : other].filter((l): l is FactorType[] => l !== null);
        const both = lists.length === 0 ? null : lists.reduce((a, l) => a.filter((f) => l.includes(f)));
        // Restrictions sharing no method: the strongest named one (the app), never nothing.
        const accepted = both === null ? ['totp', 'sms'] : both.length > 0 ? both : ['totp'];
        const usable = enrolled.filter((f) => accepted.includes(f === 'backup_code' ? 'totp' : f));
        const methods = usable.filter((f) => f !== 'backup_code');
        it(`G3: main=${show(main)} other=${show(other)} enrolled=[${enrolled.join(',')}] → accepts ${accepted.join('+')}${methods.length === 0 ? ' (enroll)' : ''}`, () => {
          const orgs: OrgIn[] = [{ id: 'main', plan: 'paid', allowed: main }];
          if (other !== 'no-org') orgs.push({ id: 'other', plan: 'free', allowed: other });
          const got = defaultMfaPolicy(context(orgs, enrolled));
          assert.equal(got.requirement, 'required');
          // "a member whose only method is no longer allowed is led to add an allowed one"
          assert.equal(got.mustEnroll, methods.length === 0);
          assert.equal(got.locked, false);
          assert.deepEqual([...got.allowedFactors].sort(), [...usable].sort());
          assert.deepEqual(
            got.acceptedMethods?.slice().sort(),
            both === null ? undefined : [...accepted].sort(),
          );
          if (methods.length > 0) assert.equal(got.preferred, methods.includes('totp') ? 'totp' : 'sms');
        });
      }
  it('the table has every combination (4 × 5 × 4 = 80 rows)', () => assert.equal(rows, 80));

  it('G3: a voluntary user whose only method (SMS) an organization forbids is led to enroll the app', () => {
    const got = defaultMfaPolicy(context([{ id: 'main', plan: 'free', allowed: ['totp'] }], ['sms']));
    assert.deepEqual(
      [got.requirement, got.reason, got.mustEnroll, got.allowedFactors, got.acceptedMethods],
      ['required', 'enrolled', true, [], ['totp']],
    );
  });
});
