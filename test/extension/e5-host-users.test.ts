// R2, R3, V3, M1, U6 with E2, E5: `deadbolt.users` on the example host (examples/existing-provider,
// installed from the packed tarball) — a host's own support tools list an account's methods and
// reset its MFA: every factor goes, the refresh token and the session die, the audit event carries
// the actor and the reason, the person is told, and the next sign-in enrolls again.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import * as client from 'openid-client';
import { storageIdOf } from '../../src/extension/host-directory.ts';
import type { DeadboltUsers } from '../../src/extension/users.ts';
import { readMailOutbox } from '../../src/mail/outbox.ts';
import { readOutbox } from '../../src/sms/index.ts';
import { openSystemOfRecord } from '../../src/store/sor/index.ts';
import { Browser, textOf } from '../support/browser.ts';
import { ALICE, type HostModule, hostPassword, installExample, startHost } from '../support/example-host.ts';
import {
  appCode,
  backupCodesFromPage,
  finishFromCodesPage,
  isEnrollment,
  secretFromPage,
} from '../support/mfa.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { isCallback, open, RelyingParty } from '../support/rp.ts';
import { REDIS_URL, STORE_MODES } from '../support/server.ts';
import { jpMobile } from '../support/sms.ts';

const REQUEST = {
  actor: 'jo (support)',
  reason: 'lost her phone; identity checked on a call',
  identityVerified: true,
};

describe('R2, E2: a host resets a user’s MFA through deadbolt.users', function () {
  this.timeout(240_000);
  let dir: string;
  let host: HostModule;
  before(async () => {
    dir = await installExample();
    host = (await import(pathToFileURL(join(dir, 'host.js')).href)) as HostModule;
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const mode of STORE_MODES) {
    describe(`on ${mode} stores`, () => {
      let server: Server;
      let issuer: string;
      let running: { users: DeadboltUsers; close(): Promise<void> } | undefined;
      let users: DeadboltUsers;
      let db: TestDatabase | undefined;
      let dataDir: string;
      const prefix = `deadbolt-test:${randomBytes(6).toString('hex')}:`;
      const tmp = (what: string) =>
        join(tmpdir(), `deadbolt-users-${what}-${randomBytes(6).toString('hex')}.jsonl`);
      const smsFile = tmp('sms');
      const mailFile = tmp('mail');
      const url = (path: string) => new URL(path, issuer);
      const browser = new Browser(); // Alice's
      let codes: string[] = [];
      const phone = jpMobile(8201);

      before(async () => {
        dataDir = await mkdtemp(join(tmpdir(), 'deadbolt-users-'));
        db = mode === 'real' ? await createTestDatabase() : undefined;
        const stores = db
          ? { databaseUrl: db.url, redisUrl: REDIS_URL, redisKeyPrefix: prefix, dataDir }
          : { dataDir };
        const settings = {
          SMS_PROVIDER: 'outbox',
          SMS_OUTBOX_FILE: smsFile,
          MAIL_PROVIDER: 'outbox',
          MAIL_OUTBOX_FILE: mailFile,
        };
        const started = await startHost(host, { stores, settings });
        ({ server, issuer } = started);
        running = started.running;
        users = started.running.users;
      });
      after(async () => {
        await new Promise((resolve) => server?.close(resolve));
        await running?.close();
        if (db) {
          const redis = new Redis(REDIS_URL);
          const keys = await redis.keys(`${prefix}*`);
          if (keys.length > 0) await redis.del(...keys);
          redis.disconnect();
          await db.drop();
        }
        await Promise.all([dataDir, smsFile, mailFile].map((f) => rm(f, { recursive: true, force: true })));
      });

      it('M1, E2: methods() lists the app, the backup codes left (a count) and SMS with the number masked — no secrets', async () => {
        // Alice (her company pays) signs in at the host's page and enrolls the app, then adds SMS.
        const enroll = await hostPassword(browser, await browser.follow(url('/account/security')), ALICE);
        assert.ok(isEnrollment(enroll), textOf(enroll.text).slice(0, 300));
        const secret = secretFromPage(enroll);
        const shown = await browser.submit(
          enroll,
          { code: await appCode(secret) },
          /\/enroll\/totp\/confirm$/,
        );
        codes = backupCodesFromPage(shown);
        await finishFromCodesPage(browser, shown);
        let step = await browser.request(url('/account/security/sms'));
        if (/confirm-method/.test(step.text))
          step = await browser.submit(step, { code: await appCode(secret, 1) }, /confirm-method\?/);
        if (/Confirm your password/.test(textOf(step.text)))
          step = await browser.submit(step, { password: ALICE.password }, /reauth\?next=sms$/);
        const codePage = await browser.submit(step, { country: 'JP', phone: phone.national }, /\/sms\/send$/);
        const sent = (await readOutbox(smsFile)).filter((e) => e.to === phone.e164).at(-1)?.body ?? '';
        const smsCode = /\b(\d{6})\b/.exec(sent)?.[1] ?? 'none';
        const added = await browser.submit(codePage, { code: smsCode }, /\/sms\/confirm$/);
        assert.ok(textOf(added.text).includes('The method was added'), textOf(added.text).slice(0, 300));

        const methods = (await users.methods('u-alice')) ?? [];
        assert.deepEqual(methods.map((m) => m.type).sort(), ['backup_code', 'sms', 'totp']);
        const backup = methods.find((m) => m.type === 'backup_code');
        assert.equal(backup?.remaining, codes.length);
        const sms = methods.find((m) => m.type === 'sms');
        assert.ok(sms?.phone?.endsWith(phone.e164.slice(-4)), sms?.phone);
        assert.ok(!sms?.phone?.includes(phone.e164.slice(3, -4)), `masked: ${sms?.phone}`);
        for (const m of methods) {
          assert.ok(m.createdAt instanceof Date && m.locked === false);
          assert.deepEqual(
            Object.keys(m).filter(
              (k) => !['type', 'createdAt', 'lastUsedAt', 'locked', 'phone', 'remaining'].includes(k),
            ),
            [],
            'no secret, hash or raw data',
          );
        }
        assert.equal(await users.methods('u-nobody'), undefined, 'an unknown account: undefined');
      });

      it('R2: a reset without an actor, a reason or identityVerified is refused with a clear error and changes nothing', async () => {
        const refusals: [object, string][] = [
          [{ ...REQUEST, reason: undefined }, 'reason'],
          [{ ...REQUEST, reason: '  ' }, 'reason'],
          [{ ...REQUEST, actor: '' }, 'actor'],
          [{ ...REQUEST, identityVerified: false }, 'identityVerified'],
        ];
        for (const [request, field] of refusals) {
          await assert.rejects(
            users.reset('u-alice', request as typeof REQUEST),
            (err: Error & { field?: string }) => {
              assert.equal(err.name, 'DeadboltUsersError');
              assert.equal(err.field, field);
              assert.match(err.message, new RegExp(field));
              return true;
            },
          );
        }
        assert.equal((await users.methods('u-alice'))?.length, 3, 'every method is still there');
        assert.equal(await users.reset('u-nobody', REQUEST), undefined, 'an unknown account: undefined');
      });

      it("R2, V3, U6: the support reset kills her refresh token and session, leaves no method, tells her, and her company's mandate has her enroll again", async () => {
        const rp = await RelyingParty.discover(issuer);
        // prompt=consent: the host's automatic consent grants offline access, so a refresh token comes.
        const auth = await rp.authorize({ prompt: 'consent' });
        const done = await open(browser, auth); // her session already passed MFA
        assert.ok(isCallback(new URL(done.url)), textOf(done.text).slice(0, 300));
        const tokens = await rp.callback(done.url, auth);
        const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);

        const result = await users.reset('u-alice', REQUEST);
        assert.deepEqual(result?.removed, { totp: 1, sms: 1, backup_code: codes.length });
        assert.equal(result?.factorsRemoved, codes.length + 2);
        assert.ok((result?.sessionsEnded ?? 0) >= 1, `sessions ended: ${result?.sessionsEnded}`);

        await assert.rejects(
          client.refreshTokenGrant(rp.config, refreshed.refresh_token ?? tokens.refresh_token!),
          {
            error: 'invalid_grant',
          },
        );
        const silent = await open(browser, await rp.authorize({ prompt: 'none' }));
        assert.match(
          new URL(silent.url).searchParams.get('error') ?? '',
          /^(login_required|interaction_required)$/,
        );
        assert.deepEqual(await users.methods('u-alice'), []);
        assert.equal((await users.decide('u-alice'))?.requirement, 'required', 'her company still pays');

        let notice: { text: string } | undefined;
        for (let i = 0; i < 50 && !notice; i++) {
          notice = (await readMailOutbox(mailFile).catch(() => [])).find(
            (m) => m.to === ALICE.email && /multi-factor authentication was reset/.test(m.subject),
          );
          if (!notice) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.match(notice?.text ?? '', /removed by Deadbolt support/, 'U6: the notice says who');

        // V3 voids what began before the second after the reset; the host's login stamps its own
        // time (not Deadbolt's authTimeFor), so a sign-in within that second is asked again.
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const fresh = new Browser();
        const next = await hostPassword(fresh, await open(fresh, await rp.authorize()), ALICE);
        assert.ok(isEnrollment(next), `enrolls again: ${textOf(next.text).slice(0, 300)}`);
      });

      it('R3: the reset is one audit event with the actor and the reason', async () => {
        await new Promise((resolve) => server.close(resolve));
        await running?.close();
        running = undefined;
        const sor = await openSystemOfRecord({ databaseUrl: db?.url, dataDir });
        try {
          const events = (await sor.listAudit({ userId: storageIdOf('u-alice') })).filter(
            (e) => e.action === 'mfa.reset',
          );
          assert.equal(events.length, 1, 'the refused resets left no event');
          assert.equal(events[0].actorLabel, `host:${REQUEST.actor}`);
          assert.equal(events[0].details.reason, REQUEST.reason);
          assert.equal(events[0].details.via, 'host');
        } finally {
          await sor.close();
        }
      });
    });
  }
});
