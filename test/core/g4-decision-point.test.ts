// G4 at the decision point (src/core/decision.ts): an organization's allowance never counts for
// more than REMEMBER_DEVICE_MAX_DAYS; the device is read only through the point's own dependency;
// satisfied() lets a device stand in only where the hook said so; max_age and prompt=login in an
// authorization request count as a demand for a fresh authentication.
import assert from 'node:assert/strict';
import {
  createDecisionPoint,
  type RememberedDeviceInput,
  reauthenticationAsked,
} from '../../src/core/decision.ts';
import { defaultMfaPolicy } from '../../src/mfa/policy.ts';
import { ACR_MFA } from '../../src/oidc/acr.ts';
import type { MembershipWithOrg, Organization } from '../../src/store/records.ts';

const DAY = 86_400_000;
const org = (days: number): Organization => ({
  id: 'org-1',
  name: 'Paid',
  plan: 'paid',
  requireMfaForAllUsers: false,
  ssoEnforced: false,
  sso: null,
  rememberDeviceDays: days,
  createdAt: new Date(),
});
const state = (days: number) => ({
  user: { id: 'u1', email: 'u1@example.test' },
  memberships: [
    { userId: 'u1', orgId: 'org-1', role: 'member', createdAt: new Date(), org: org(days) },
  ] as MembershipWithOrg[],
  enrolled: ['totp' as const, 'backup_code' as const],
});
const device: RememberedDeviceInput = {
  rememberedAt: new Date(Date.now() - 2 * DAY),
  expiresAt: new Date(Date.now() + 5 * DAY),
};

function point(maxRememberDays: number | undefined, remembered?: RememberedDeviceInput) {
  let reads = 0;
  const decisions = createDecisionPoint({
    policy: defaultMfaPolicy,
    load: async () => state(14),
    ssoMark: async () => ({}),
    ...(remembered ? { rememberedDevice: async () => (reads++, remembered) } : {}),
    maxRememberDays,
  });
  return { decisions, reads: () => reads };
}

describe('G4: remembered devices at the decision point', () => {
  it('G4: an allowance of 14 days counts for at most REMEMBER_DEVICE_MAX_DAYS (7), and for nothing when it is 0 or not given', () => {
    assert.equal(point(7).decisions.decide(state(14), { amr: ['pwd'] }).rememberDays, 7);
    assert.equal(point(30).decisions.decide(state(14), { amr: ['pwd'] }).rememberDays, 14);
    assert.equal(point(0).decisions.decide(state(14), { amr: ['pwd'] }).rememberDays, undefined);
    assert.equal(point(undefined).decisions.decide(state(14), { amr: ['pwd'] }).rememberDays, undefined);
  });

  it('G4: needsStep reads the device and lets it stand in for a password-only session; an acr request or max_age still needs the step', async () => {
    const { decisions, reads } = point(30, device);
    const session = { amr: ['pwd'], uid: 'session-1' };
    assert.equal(await decisions.needsStep('u1', session), false);
    assert.equal(reads(), 1);
    assert.equal(await decisions.needsStep('u1', session, { acrValues: ACR_MFA }), true);
    assert.equal(await decisions.needsStep('u1', session, { reauthentication: true }), true);
    // Without the device dependency (the feature off) the same session needs the step.
    assert.equal(await point(30).decisions.needsStep('u1', session), true);
  });

  it('G4: satisfied() counts the device only where the hook said so; the amr is not upgraded', () => {
    const { decisions } = point(30);
    const withDevice = decisions.decide(state(14), { amr: ['pwd'], rememberedDevice: device });
    assert.equal(withDevice.rememberedDevice, true);
    assert.equal(decisions.satisfied(withDevice, ['pwd']), true);
    const asked = decisions.decide(
      state(14),
      { amr: ['pwd'], rememberedDevice: device },
      { acrValues: ACR_MFA },
    );
    assert.equal(decisions.satisfied(asked, ['pwd']), false);
  });

  it('G4: max_age (any value, a default_max_age included) and prompt=login ask for a fresh authentication', () => {
    assert.equal(reauthenticationAsked({ max_age: '600' }), true);
    assert.equal(reauthenticationAsked({ max_age: 0 }), true);
    assert.equal(reauthenticationAsked({ prompt: 'login consent' }), true);
    assert.equal(reauthenticationAsked({ prompt: 'consent' }), false);
    assert.equal(reauthenticationAsked({}), false);
    assert.equal(reauthenticationAsked(undefined), false);
  });
});
