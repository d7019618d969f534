// Issue 16 item 6 (X3): messages with counts go through ICU MessageFormat with each locale's plural
// rules — "1 member has", never "1 members have"; Japanese has one form for every count.
import assert from 'node:assert/strict';
import { catalogsForTest, LOCALES, translator } from '../../src/i18n/index.ts';

describe('X3: plural rules in the hosted-page messages (issue 16 item 6)', () => {
  const en = translator('en');
  const ja = translator('ja');

  it('X3: English picks one/other by count (members, attempts, sessions, methods)', () => {
    assert.match(en('org.without_mfa', { count: 1 }), /^1 member has not set up MFA yet\. /);
    assert.match(en('org.without_mfa', { count: 2 }), /^2 members have not set up MFA yet\. /);
    assert.equal(en('mfa.attempts_left', { count: 1 }), '1 attempt left before a temporary lockout.');
    assert.equal(en('mfa.attempts_left', { count: 3 }), '3 attempts left before a temporary lockout.');
    assert.equal(en('security.sessions_ended', { count: 1 }), 'Signed out of 1 other session.');
    assert.equal(en('security.sessions_ended', { count: 4 }), 'Signed out of 4 other sessions.');
    assert.equal(en('security.sessions_ended', { count: 0 }), 'There were no other sessions to sign out of.');
    const done = en('org.reset_done', { email: 'a@example.com', methods: 1, sessions: 1 });
    assert.match(done, /1 method removed, 1 session ended\./);
    assert.match(
      en('org.reset_done', { email: 'a@example.com', methods: 2, sessions: 3 }),
      /2 methods removed, 3 sessions ended/,
    );
  });

  it('X3: Japanese uses its single form for 1 and many, with the number in place', () => {
    assert.equal(ja('org.without_mfa', { count: 1 }).startsWith('1 人のメンバー'), true);
    assert.equal(ja('org.without_mfa', { count: 12 }).startsWith('12 人のメンバー'), true);
    assert.equal(ja('mfa.attempts_left', { count: 1 }), '一時的にロックされるまで、あと 1 回試行できます。');
    assert.equal(
      ja('security.sessions_ended', { count: 2 }),
      '他の 2 件のセッションからログアウトしました。',
    );
    assert.match(
      ja('org.reset_done', { email: 'a@example.com', methods: 1, sessions: 2 }),
      /認証方法: 1 件、終了したセッション: 2 件/,
    );
  });

  it('X3: every message in both catalogs compiles and formats without leftover placeholders', () => {
    for (const locale of LOCALES) {
      const t = translator(locale);
      for (const key of Object.keys(catalogsForTest[locale])) {
        // Every plural/select/number argument a message names gets a number (a missing one throws).
        const message = catalogsForTest[locale][key] as string;
        const counted = Object.fromEntries(
          [...message.matchAll(/\{\s*(\w+)\s*,\s*(?:plural|selectordinal|number)/g)].map((m) => [m[1], 2]),
        );
        const text = t(key, { email: 'a@example.com', date: '2026-12-01', ...counted });
        assert.doesNotMatch(text, /\{\s*\w+\s*,\s*plural/, `${locale} ${key}`);
      }
    }
  });

  it('X3: sentences end with a full stop in both languages (messages with counts)', () => {
    for (const key of ['mfa.incorrect', 'mfa.attempts_left', 'org.without_mfa', 'org.reset_done']) {
      assert.match(en(key, { count: 1, methods: 1, sessions: 1, email: 'x' }), /\.$/, key);
      assert.match(ja(key, { count: 1, methods: 1, sessions: 1, email: 'x' }), /。$/, key);
    }
  });
});
