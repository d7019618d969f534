// The code typed into a form asking a second factor outside the sign-in (G5's confirmation, U3's
// password change, U4's reset, W4's passkey removal) is checked as the method the page registry's
// factors say it is for (src/mfa/proof-form.ts).
import assert from 'node:assert/strict';
import { proofMethod } from '../../src/mfa/proof-form.ts';
import type { UserMfaState } from '../../src/mfa/service.ts';
import type { FactorType } from '../../src/store/records.ts';

const state = (enrolled: FactorType[], usable: FactorType[] = enrolled) =>
  ({ enrolled, usable }) as unknown as UserMfaState;

describe('proof forms: which method a submitted code is for', () => {
  it('G5, U3, U4: a backup code (with the app enrolled) is a backup code, whatever the form says', () => {
    assert.equal(proofMethod(state(['totp', 'backup_code', 'sms']), 'abcde-fghjk', 'sms'), 'backup_code');
    // Without the app they come with, a code of that shape is no backup code.
    assert.equal(proofMethod(state(['sms']), 'abcde-fghjk', 'sms'), 'sms');
  });

  it('S3, W4: the SMS code sent for this page (method=sms) is an SMS code, where SMS is usable', () => {
    assert.equal(proofMethod(state(['totp', 'sms']), '123456', 'sms'), 'sms');
    assert.equal(proofMethod(state(['totp', 'sms'], ['totp']), '123456', 'sms'), 'totp');
  });

  it('G5, U3: any other code is the app’s where usable, else the first usable (or enrolled) method', () => {
    assert.equal(proofMethod(state(['sms', 'totp']), '123456', undefined), 'totp');
    assert.equal(proofMethod(state(['passkey', 'sms']), '123456', undefined), 'passkey');
    assert.equal(proofMethod(state(['totp'], []), '123456', undefined), 'totp');
  });
});
