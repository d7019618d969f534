// X3 (issue 16 item 7): the Japanese pages read in the seed article's register — one word for
// signing in (ログイン), one term for the customer (組織), buttons that say what they do, and
// instructions in the present tense.
import assert from 'node:assert/strict';
import { catalogsForTest, translator } from '../../src/i18n/index.ts';

const ja = catalogsForTest.ja;
const values = Object.entries(ja);

describe('X3: Japanese wording (issue 16 item 7)', () => {
  it('X3: one word for signing in and out — ログイン/ログアウト, as the seed article; never サインイン', () => {
    const mixed = values.filter(([, v]) => /サインイン|サインアウト/.test(v)).map(([k]) => k);
    assert.deepEqual(mixed, []);
    assert.match(ja['login.sso'], /ログイン$/);
  });

  it('X3: one term for the customer — 組織 (a paid one is 有料プランの組織), never 有料アカウント', () => {
    assert.deepEqual(
      values.filter(([, v]) => v.includes('有料アカウント')).map(([k]) => k),
      [],
    );
    assert.match(ja['org.paid_locked'], /^有料プランの組織では/);
  });

  it('X3: the disable button says what it does — 無効にする', () => {
    assert.equal(translator('ja')('security.disable'), '無効にする');
  });

  it('X3: backup codes — no new codes beyond these 4 (not "cannot generate 4 or more"); instructions, not narration', () => {
    assert.doesNotMatch(ja['codes.no_more'], /以上/);
    assert.match(ja['codes.no_more'], /この 4 つのほかに新しいコードは作成できません/);
    assert.doesNotMatch(ja['codes.intro'], /表示されます/);
    assert.match(ja['codes.intro'], /保管してください。$/);
  });

  it('X3: one term for a second-factor method — 認証方法, never 確認方法; the step is 多要素認証, never 2 段階認証', () => {
    const mixed = values.filter(([, v]) => /確認方法|2 ?段階認証/.test(v)).map(([k]) => k);
    // The audit detail "Confirmed with" is the proof used, not a method name.
    assert.deepEqual(
      mixed.filter((k) => k !== 'audit.detail.proof'),
      [],
    );
    assert.match(ja['binding.intro'], /^認証方法を追加するには/);
  });

  it('X3: typography as the seed — half-width parentheses, a space between Japanese and Latin letters or digits', () => {
    const cjk = '\\u3040-\\u30ff\\u4e00-\\u9fff';
    const fullWidthParens = values.filter(([, v]) => /[（）]/.test(v)).map(([k]) => k);
    assert.deepEqual(fullWidthParens, []);
    const glued = new RegExp(`[A-Za-z0-9#][${cjk}]|[${cjk}][A-Za-z0-9#]`);
    assert.deepEqual(
      values.filter(([, v]) => glued.test(v)).map(([k]) => k),
      [],
    );
    assert.equal(ja['mail.invite.expires'], 'リンクは 1 回のみ使用でき、{days} 日後に有効期限が切れます。');
  });
});
