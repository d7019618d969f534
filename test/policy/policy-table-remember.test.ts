// G4: the default policy hook over remembered devices — an input of the one decision, never a rule
// of its own. Per row: the organizations' allowances (the strictest applies; no organization:
// never), why MFA is asked, whether a usable method exists, what the relying party asked for, and
// the device's age. The expectations are written from the issue's sentences: "where the
// organization's policy allows it (off by default, N ≤ the organization's maximum, never for
// step-up or phr)", "relying parties asking for MFA in acr_values or max_age still get a second factor".
import assert from 'node:assert/strict';
import { defaultMfaPolicy, type PolicyContext } from '../../src/mfa/policy.ts';
import { ACR_MFA } from '../../src/oidc/acr.ts';
import type { FactorType, Plan } from '../../src/store/records.ts';

const NOW = new Date('2027-03-01T12:00:00Z');
const DAY = 86_400_000;

type Methods = 'none' | 'app' | 'locked';
type Asked = 'nothing' | 'acr_mfa' | 'acr_phr' | 'reauth';
type Device = 'none' | 'day_old' | 'ten_days_old' | 'expired';

function context(
  allowances: number[],
  plan: Plan,
  methods: Methods,
  asked: Asked,
  device: Device,
): PolicyContext {
  const enrolled: FactorType[] = methods === 'none' ? [] : ['totp', 'backup_code'];
  const rememberedAt = new Date(NOW.getTime() - (device === 'ten_days_old' ? 10 : 1) * DAY);
  const expiresAt = new Date(NOW.getTime() + (device === 'expired' ? -1 : 20) * DAY);
  return {
    user: { id: 'u1', email: 'u1@example.test' },
    memberships: allowances.map((days, i) => ({
      role: 'member' as const,
      org: {
        id: `org${i}`,
        name: `org${i}`,
        plan: i === 0 ? plan : 'free',
        requireMfaForAllUsers: false,
        ssoEnforced: false,
        rememberDeviceDays: days,
      },
    })),
    enrolled,
    usable: methods === 'locked' ? [] : enrolled,
    authentication: {
      amr: ['pwd'],
      ...(device === 'none' ? {} : { rememberedDevice: { rememberedAt, expiresAt } }),
    },
    requestedAcr: asked === 'acr_mfa' ? [ACR_MFA] : asked === 'acr_phr' ? ['urn:deadbolt:acr:phr'] : [],
    reauthentication: asked === 'reauth',
    now: NOW,
  };
}

describe('MFA policy table: remembered devices (G4, default hook)', () => {
  let rows = 0;
  const allowanceSets = [[], [0], [7], [30, 7], [7, 0]];
  for (const allowances of allowanceSets)
    for (const plan of ['free', 'paid'] as Plan[])
      for (const methods of ['none', 'app', 'locked'] as Methods[])
        for (const asked of ['nothing', 'acr_mfa', 'acr_phr', 'reauth'] as Asked[])
          for (const device of ['none', 'day_old', 'ten_days_old', 'expired'] as Device[]) {
            if (allowances.length === 0 && plan === 'paid') continue; // no organization, no plan
            rows++;
            const mandatory = (allowances.length > 0 && plan === 'paid') || methods !== 'none'; // P1, P4
            const required = mandatory || asked === 'acr_mfa'; // P6: the relying party demands it
            // Off by default; the strictest allowance; a usable method; nothing asked by the RP.
            const strictest = allowances.length === 0 ? 0 : Math.min(...allowances);
            const days = required && methods === 'app' && asked === 'nothing' ? strictest : 0;
            const age = device === 'day_old' ? 1 : 10;
            const honoured = days > 0 && device !== 'none' && device !== 'expired' && age <= days;
            const label = `orgs=[${allowances.join(',')}] plan=${plan} methods=${methods} asked=${asked} device=${device} → ${days > 0 ? `offer ${days} days` : 'no offer'}${honoured ? ', honoured' : ''}`;
            it(`G4: ${label}`, () => {
              const got = defaultMfaPolicy(context(allowances, plan, methods, asked, device));
              if (required) assert.equal(got.requirement, 'required');
              assert.equal(got.rememberDays ?? 0, days, 'the days offered');
              assert.equal(got.rememberedDevice === true, honoured, 'the device stands in');
            });
          }
  it('the table has every combination (9 × 3 × 4 × 4 = 432 rows)', () => assert.equal(rows, 432));
});
