// A5: the owner's audit log says every recorded action in words, in English and Japanese (the
// actions are one list, src/audit.ts, which the page's action filter offers too).
import assert from 'node:assert/strict';
import { AUDIT_ACTIONS } from '../../src/audit.ts';
import { translator } from '../../src/i18n/index.ts';

describe('A5: every audit action in words', () => {
  for (const locale of ['en', 'ja'] as const) {
    it(`A5: each recorded action has a label in ${locale}`, () => {
      const t = translator(locale);
      const missing = AUDIT_ACTIONS.filter((a) => t(`audit.action.${a}`) === `audit.action.${a}`);
      assert.deepEqual(missing, []);
    });
  }
});
