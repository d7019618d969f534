// U6: every security notice, in English and in Japanese, through the real path — an audit event
// committed in the system of record, the audit hook, the notifier, the mail outbox. Each mail says
// what happened (subject and body in the request's language), when, from which IP and browser,
// and what to do if it was not them; none carries a code or secret.
import assert from 'node:assert/strict';
import { audit } from '../../src/audit.ts';
import type { Locale } from '../../src/i18n/index.ts';
import { requestLocale } from '../../src/i18n/request-locale.ts';
import { giveTotp } from '../support/account.ts';
import { mailsTo } from '../support/mail.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

interface Case {
  action: Parameters<typeof audit>[2];
  details: Record<string, unknown>;
  /** The event names a factor of the user (its id is only known once the user has one). */
  factorOfUser?: boolean;
  org?: boolean;
  en: { subject: RegExp; body: RegExp; notYou: RegExp };
  ja: { subject: RegExp; body: RegExp; notYou: RegExp };
}

const CASES: Case[] = [
  {
    action: 'factor.enrolled',
    details: { type: 'totp' },
    en: {
      subject: /A sign-in method was added/,
      body: /Authenticator app was added/,
      notYou: /If you did not add it/,
    },
    ja: {
      subject: /認証方法が追加されました/,
      body: /「認証アプリ」が追加されました/,
      notYou: /お心当たりがない場合/,
    },
  },
  {
    action: 'factor.disabled',
    details: { type: 'sms' },
    en: {
      subject: /A sign-in method was removed/,
      body: /Text message \(SMS\) was removed/,
      notYou: /If you did not remove it/,
    },
    ja: {
      subject: /認証方法が削除されました/,
      body: /「テキストメッセージ\(SMS\)」が削除されました/,
      notYou: /お心当たりがない場合/,
    },
  },
  {
    action: 'factor.locked',
    details: { consecutiveFailures: 10 },
    factorOfUser: true,
    en: {
      subject: /locked after too many wrong codes/,
      body: /Authenticator app was locked/,
      notYou: /If you did not type these codes/,
    },
    ja: {
      subject: /ロックされました/,
      body: /「認証アプリ」がロックされ/,
      notYou: /ご自身で入力したものでない場合/,
    },
  },
  {
    action: 'mfa.reset',
    details: { via: 'cli' },
    en: {
      subject: /multi-factor authentication was reset/,
      body: /removed by Deadbolt support/,
      notYou: /If you did not ask for this reset/,
    },
    ja: {
      subject: /多要素認証がリセットされました/,
      body: /Deadbolt サポートにより/,
      notYou: /リセットを依頼していない場合/,
    },
  },
  {
    action: 'mfa.reset',
    details: { via: 'admin-api' },
    en: {
      subject: /multi-factor authentication was reset/,
      body: /an administrator \(through the admin API\)/,
      notYou: /If you did not ask/,
    },
    ja: {
      subject: /多要素認証がリセットされました/,
      body: /管理者\(管理 API 経由\)により/,
      notYou: /リセットを依頼していない場合/,
    },
  },
  {
    action: 'password.changed',
    details: {},
    en: {
      subject: /Your password was changed/,
      body: /password of your Deadbolt account was changed/,
      notYou: /Forgot password\?/,
    },
    ja: {
      subject: /パスワードが変更されました/,
      body: /パスワードが変更されました。他のセッション/,
      notYou: /パスワードをお忘れですか/,
    },
  },
  {
    action: 'password.reset',
    details: {},
    en: {
      subject: /Your password was reset/,
      body: /reset with a recovery link/,
      notYou: /If you did not reset it/,
    },
    ja: {
      subject: /パスワードが再設定されました/,
      body: /再設定用リンクにより/,
      notYou: /お心当たりがない場合/,
    },
  },
  {
    action: 'device.remembered',
    details: { days: 14 },
    en: {
      subject: /skip the second step for 14 days/,
      body: /for the next 14 days it signs in/,
      notYou: /Forget all devices/,
    },
    ja: { subject: /14 日間/, body: /このブラウザーが記憶されました/, notYou: /すべてのデバイスを削除/ },
  },
  {
    action: 'org.policy_changed',
    details: { requireMfaForAllUsers: true },
    org: true,
    en: {
      subject: /Security settings of Notice Co changed/,
      body: /In Notice Co, multi-factor authentication is now required/,
      notYou: /If no owner of Notice Co made this change/,
    },
    ja: {
      subject: /Notice Co のセキュリティ設定が変更されました/,
      body: /すべてのメンバーに多要素認証が必須になりました/,
      notYou: /オーナーによる変更でない場合/,
    },
  },
];

describe('U6: every security notice in English and Japanese', function () {
  this.timeout(60_000);
  let server: TestServer;
  let n = 0;
  before(async () => {
    server = await startTestServer('embedded');
  });
  after(() => server?.stop());

  for (const c of CASES) {
    for (const locale of ['en', 'ja'] as Locale[]) {
      it(`U6: ${c.action} ${JSON.stringify(c.details)} — ${locale}`, async () => {
        const { sor } = server.services;
        const email = `notice${++n}@example.test`;
        const userId = await server.createUser(email, 'a long and correct password');
        const org = await sor.createOrg({ name: 'Notice Co', plan: 'free' });
        await sor.setMembership(userId, org.id, 'owner');
        const who = { actorUserId: userId, ip: '192.0.2.44', userAgent: UA };
        const details = { ...c.details };
        if (c.factorOfUser) {
          await giveTotp(server, userId);
          details.factorId = (await sor.listFactors(userId)).find((f) => f.type === 'totp')!.id;
        }
        await requestLocale.run(locale, () =>
          audit(sor, who, c.action, c.org ? { orgId: org.id } : { userId, orgId: org.id }, details),
        );
        const mails = await mailsTo(server, email);
        assert.equal(mails.length, 1, `one notice, got ${mails.map((m) => m.subject).join(' | ')}`);
        const [mail] = mails;
        const want = c[locale];
        assert.match(mail.subject, want.subject);
        assert.match(mail.text, want.body);
        assert.match(mail.text, want.notYou);
        assert.match(mail.text, locale === 'ja' ? /IP アドレス: 192\.0\.2\.44/ : /IP address: 192\.0\.2\.44/);
        assert.match(mail.text, /Chrome/, 'the browser');
        assert.match(mail.text, locale === 'ja' ? /日時: 20\d\d年/ : /When: /);
        assert.match(mail.html, new RegExp(want.subject.source), 'the HTML part says the same');
      });
    }
  }
});
