// A5: the owner's audit log on the organization page — words in English and Japanese (no raw
// action codes or JSON), local time in the viewer's time zone, actor / target / IP columns, the
// members' own factor events, cursor paging, filters, CSV and JSON-lines export, narrow screens.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { accountSignIn } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const ENROLLED_AT = new Date('2026-12-01T15:30:00Z'); // 2 Dec 00:30 in Tokyo

for (const mode of STORE_MODES) {
  describe(`A5: the owner's audit log (${mode} stores)`, function () {
    this.timeout(90_000);
    let server: TestServer;
    let org: string;
    let member: string;
    const url = (path: string) => new URL(path, server.issuer);

    before(async () => {
      server = await startTestServer(mode);
      const { sor } = server.services;
      org = (await sor.createOrg({ name: 'Acme', plan: 'free' })).id;
      const owner = await server.createUser('owner@acme.test', PASSWORD);
      member = await server.createUser('member@acme.test', PASSWORD);
      const stranger = await server.createUser('stranger@other.test', PASSWORD);
      await sor.setMembership(owner, org, 'owner');
      await sor.setMembership(member, org, 'member');
      const base = { orgId: null, userAgent: null, actorLabel: null };
      // A member's own account event (no organization on it), a support reset, an org change.
      await sor.appendAudit({
        ...base,
        at: ENROLLED_AT,
        actorUserId: member,
        action: 'factor.enrolled',
        targetUserId: member,
        ip: '203.0.113.7',
        details: { type: 'totp', backupCodes: 10 },
      });
      await sor.appendAudit({
        ...base,
        at: new Date('2026-12-03T09:00:00Z'),
        actorUserId: null,
        actorLabel: 'operator:jo',
        action: 'mfa.reset',
        targetUserId: member,
        ip: null,
        details: { reason: 'ticket 123, ID checked', removed: { totp: 1, backup_code: 10 }, via: 'cli' },
      });
      await sor.appendAudit({
        ...base,
        at: new Date('2026-12-04T09:00:00Z'),
        orgId: org,
        actorUserId: owner,
        action: 'org.policy_changed',
        targetUserId: null,
        ip: '198.51.100.2',
        details: { requireMfaForAllUsers: true },
      });
      // Someone else's event: not shown.
      await sor.appendAudit({
        ...base,
        actorUserId: stranger,
        action: 'factor.enrolled',
        targetUserId: stranger,
        ip: null,
        details: { type: 'sms' },
      });
      // 60 older events, for paging.
      for (let i = 0; i < 60; i++) {
        await sor.appendAudit({
          ...base,
          at: new Date(Date.UTC(2026, 10, 1, 0, i)),
          actorUserId: null,
          action: 'mfa.rate_limited',
          targetUserId: member,
          ip: null,
          details: { retryAfterSeconds: 900 },
        });
      }
    });
    after(() => server?.stop());

    async function owner(lang = 'en'): Promise<Browser> {
      const browser = new Browser();
      browser.acceptLanguage = lang;
      await accountSignIn(browser, server, 'owner@acme.test', PASSWORD);
      return browser;
    }

    it("A5: English — words, local time in the chosen time zone (remembered), actor/target/IP, members' factor events, no JSON", async () => {
      const browser = await owner();
      const page = await browser.request(
        url(`/account/organizations/${org}?tz=Asia/Tokyo&action=factor.enrolled`),
      );
      assert.equal(page.status, 200);
      const text = textOf(page.text);
      assert.match(text, /Times in Asia\/Tokyo/);
      assert.match(text, /Dec 2, 2026, 12:30:00\s?AM/, 'Tokyo local time');
      assert.match(text, /Set up a sign-in method/);
      assert.match(text, /member@acme\.test/);
      assert.match(text, /203\.0\.113\.7/);
      assert.match(text, /Method: Authenticator app · Backup codes: 10/);
      assert.doesNotMatch(text, /stranger@other\.test/, "another organization's user is not shown");
      const all = textOf((await browser.request(url(`/account/organizations/${org}`))).text);
      assert.match(all, /Times in Asia\/Tokyo/, 'the time zone is remembered');
      assert.match(all, /support \(jo\)/);
      assert.match(all, /MFA reset/);
      assert.match(all, /Reason: ticket 123, ID checked · Removed: Authenticator app 1, Backup code 10/);
      assert.match(all, /MFA requirement changed/);
      assert.match(all, /owner@acme\.test/);
      for (const raw of [/factor\.enrolled/, /mfa\.reset/, /org\.policy_changed/, /\{"/, /"type"/])
        assert.doesNotMatch(all, raw, `no raw ${raw}`);
    });

    it('A5: Japanese — the same log in Japanese words and Japanese date format', async () => {
      const browser = await owner('ja');
      const text = textOf((await browser.request(url(`/account/organizations/${org}?tz=Asia/Tokyo`))).text);
      assert.match(text, /時刻は Asia\/Tokyo で表示しています/);
      assert.match(text, /認証方法を設定/);
      assert.match(text, /2026\/12\/02 0:30:00/);
      assert.match(text, /サポート\(jo\)/);
      assert.match(text, /理由: ticket 123, ID checked/);
      assert.doesNotMatch(text, /factor\.enrolled|\{"/);
    });

    it('A5: cursor paging, member and date filters; without a chosen zone the page says UTC', async () => {
      const browser = await owner();
      const first = await browser.request(url(`/account/organizations/${org}`));
      assert.match(textOf(first.text), /Times in UTC/);
      const rowsOf = (html: string) => [...html.matchAll(/<time datetime="([^"]+)"/g)].map((m) => m[1]);
      const page1 = rowsOf(first.text);
      assert.equal(page1.length, 50);
      const older = /href="([^"]+)">Older events/.exec(first.text)?.[1]?.replace(/&amp;/g, '&');
      assert.ok(older, 'a link to older events');
      const page2 = rowsOf((await browser.request(url(older))).text);
      assert.equal(page1.length + page2.length, 63, 'every event once');
      assert.equal(new Set([...page1, ...page2]).size, 63);
      const day = await browser.request(
        url(`/account/organizations/${org}?from=2026-12-03&to=2026-12-03&member=${member}`),
      );
      assert.deepEqual(rowsOf(day.text), ['2026-12-03T09:00:00.000Z']);
    });

    it('A5: CSV and JSON-lines export of the selection, linked from the page', async () => {
      const browser = await owner();
      const page = await browser.request(url(`/account/organizations/${org}?action=mfa.reset`));
      const csvLink = /href="([^"]+audit\.csv[^"]*)"/.exec(page.text)?.[1]?.replace(/&amp;/g, '&');
      const jsonLink = /href="([^"]+audit\.jsonl[^"]*)"/.exec(page.text)?.[1]?.replace(/&amp;/g, '&');
      assert.ok(csvLink && jsonLink);
      const csv = await browser.request(url(csvLink));
      assert.equal(csv.status, 200);
      assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
      const lines = csv.text.trim().split('\r\n');
      assert.equal(lines[0], 'time_utc,time_UTC,actor,action,target,ip,details');
      assert.equal(lines.length, 2);
      assert.match(
        lines[1] ?? '',
        /^2026-12-03T09:00:00\.000Z,.*,support \(jo\),MFA reset,member@acme\.test,,".*Reason: ticket 123, ID checked/,
      );
      const all = await browser.request(url(`/account/organizations/${org}/audit.jsonl`));
      assert.match(all.headers.get('content-type') ?? '', /^application\/jsonl/);
      const events = all.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { action: string; target: string; actor: string });
      assert.equal(events.length, 63);
      const enrolled = events.find((e) => e.action === 'factor.enrolled');
      assert.deepEqual([enrolled?.target, enrolled?.actor], ['member@acme.test', 'member@acme.test']);
    });

    it('A5: a member cannot export; the table stacks on a 390 px screen', async () => {
      const browser = new Browser();
      await accountSignIn(browser, server, 'member@acme.test', PASSWORD);
      assert.equal((await browser.request(url(`/account/organizations/${org}/audit.csv`))).status, 403);
      const page = await (await owner()).request(url(`/account/organizations/${org}`));
      assert.match(page.text, /<table class="audit">/);
      assert.match(page.text, /<td data-label="When">/);
      const css = await readFile(new URL('../../static/style.css', import.meta.url), 'utf8');
      assert.match(
        css,
        /@media \(max-width: 640px\)[\s\S]*table\.audit td::before \{ content: attr\(data-label\)/,
      );
    });

    it('A5: later actions (an accepted invitation) are in words and in the action filter (runs last: it adds an event)', async () => {
      await server.services.sor.appendAudit({
        at: new Date(Date.UTC(2026, 11, 5, 9)),
        actorUserId: member,
        actorLabel: null,
        action: 'invitation.accepted',
        targetUserId: member,
        orgId: org,
        ip: '198.51.100.9',
        userAgent: null,
        details: { role: 'member' },
      });
      const browser = await owner();
      const page = await browser.request(url(`/account/organizations/${org}?action=invitation.accepted`));
      assert.match(page.text, /<option value="invitation\.accepted" selected>/, 'offered by the filter');
      const text = textOf(page.text);
      assert.match(text, /Invitation accepted/);
      assert.match(text, /Role: member/);
      assert.match(text, /198\.51\.100\.9/);
      assert.doesNotMatch(text, /Set up a sign-in method .*203\.0\.113\.7/, 'only the chosen action');
    });
  });
}
