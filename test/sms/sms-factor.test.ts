// S2–S6 in the factor layer, with a fake clock, the in-memory ephemeral store and a recording
// SMS sender: resend wait, same code within the window, expiry, single use, binding to the flow,
// the country budget, provider failures, enrollment, and the S6 removal rule.
import assert from 'node:assert/strict';
import pino from 'pino';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { catalogsForTest } from '../../src/i18n/index.ts';
import type { FactorDeps } from '../../src/mfa/factor.ts';
import { defaultMfaPolicy } from '../../src/mfa/policy.ts';
import type { UserMfaState } from '../../src/mfa/service.ts';
import { MAX_ATTEMPTS_PER_CODE, normalizeSmsCode } from '../../src/mfa/sms/code.ts';
import { createSmsEnrollment } from '../../src/mfa/sms/enroll.ts';
import { createSmsFactor, type SmsFactor } from '../../src/mfa/sms/factor.ts';
import { canRemoveSms } from '../../src/mfa/sms/remove.ts';
import { type SmsMessage, SmsSendError, type SmsSender } from '../../src/sms/sender.ts';
import { createMemoryStore } from '../../src/store/ephemeral/index.ts';
import type { EphemeralStore, SystemOfRecord } from '../../src/store/ports.ts';
import type {
  FactorRecord,
  MembershipWithOrg,
  NewAuditEvent,
  NewFactor,
  Organization,
  User,
} from '../../src/store/records.ts';
import { bareCode } from '../support/sms.ts';

const JP = '+819012345678';
const MINUTE = 60_000;

function user(id: string): User {
  return { id, email: `${id}@example.test`, passwordHash: 'x', sessionsValidAfter: 0, createdAt: new Date() };
}

/** Just enough of a system of record: factors and audit events in arrays. */
function fakeSor() {
  const factors: FactorRecord[] = [];
  const audits: NewAuditEvent[] = [];
  const updates: Array<[string, unknown]> = [];
  const sor = {
    factors,
    audits,
    updates,
    async appendAudit(event: NewAuditEvent) {
      audits.push(event);
      return { ...event, id: String(audits.length), at: new Date() };
    },
    async listFactors(userId: string) {
      return factors.filter((f) => f.userId === userId);
    },
    async insertFactor(input: NewFactor) {
      if (
        factors.some((f) => f.userId === input.userId && f.type === input.type && f.type !== 'backup_code')
      ) {
        const { ConflictError } = await import('../../src/store/ports.ts');
        throw new ConflictError('duplicate factor');
      }
      const row: FactorRecord = {
        id: `f${factors.length + 1}`,
        userId: input.userId,
        type: input.type,
        secretEnc: null,
        codeHash: null,
        data: input.data ?? {},
        lastStep: null,
        failedAttempts: 0,
        lockedAt: null,
        usedAt: null,
        createdAt: new Date(),
      };
      factors.push(row);
      return row;
    },
    async updateFactor(id: string, patch: unknown) {
      updates.push([id, patch]);
    },
    async transaction<T>(fn: (tx: SystemOfRecord) => Promise<T>) {
      return fn(sor as unknown as SystemOfRecord);
    },
  };
  return sor;
}

class RecordingSender implements SmsSender {
  readonly name = 'outbox' as const;
  readonly sent: Array<SmsMessage & { originator: string }> = [];
  failWith: SmsSendError | undefined;
  async send(msg: SmsMessage) {
    if (this.failWith) throw this.failWith;
    const originator = ['10001', '10002'][this.sent.length % 2];
    this.sent.push({ ...msg, originator });
    return { originator };
  }
  codeOf(i = -1): string {
    const code = /\b(\d{6})\b/.exec(this.sent.at(i)?.body ?? '')?.[1];
    if (!code) throw new Error('no code sent');
    return code;
  }
}

describe('S2–S6 SMS factor', () => {
  let config: Config;
  let eph: EphemeralStore;
  let sor: ReturnType<typeof fakeSor>;
  let sender: RecordingSender;
  let clock: number;
  let logs: string[];
  let factor: SmsFactor;

  before(async () => {
    config = await loadConfig({ NODE_ENV: 'test', DATA_DIR: ':memory:', SMS_MAX_SENDS_PER_COUNTRY: '12' });
  });

  beforeEach(() => {
    eph = createMemoryStore();
    sor = fakeSor();
    sender = new RecordingSender();
    clock = Date.UTC(2026, 0, 1);
    logs = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
    const deps: FactorDeps = { config, eph, sor: sor as unknown as SystemOfRecord, logger };
    factor = createSmsFactor(deps, sender, { now: () => clock });
  });
  afterEach(() => eph.close());

  const send = (u: User, resend: boolean, phone = JP, flowKey = 'flow-1') =>
    factor.send({ user: u, purpose: 'signin', flowKey, phone, resend, ip: '192.0.2.1' });
  const check = (u: User, code: string, flowKey = 'flow-1') =>
    factor.check({ user: u, purpose: 'signin', flowKey, code });

  it('defaults: 30 s resend wait, 10 min lifetime, 5/phone, 10/user, 20/IP, 200/country per hour', async () => {
    const defaults = await loadConfig({ NODE_ENV: 'test', DATA_DIR: ':memory:' });
    assert.equal(defaults.sms.resendSeconds, 30);
    assert.equal(defaults.sms.codeTtlSeconds, 600);
    assert.deepEqual(defaults.sms.limits, {
      windowSeconds: 3600,
      perPhone: 5,
      perUser: 10,
      perIp: 20,
      perCountry: 200,
    });
    assert.equal(MAX_ATTEMPTS_PER_CODE, 5);
  });

  it('S3: a 6-digit code; opening the page twice sends once; the message names the issuer and lifetime', async () => {
    const u = user('u1');
    const first = await send(u, false);
    assert.deepEqual(first, { ok: true, sent: true, phone: JP, retryAfterSeconds: 30, originator: '10001' });
    const again = await send(u, false);
    assert.deepEqual(again, { ok: true, sent: false, phone: JP, retryAfterSeconds: 30 });
    assert.equal(sender.sent.length, 1);
    assert.match(sender.codeOf(), /^\d{6}$/);
    assert.match(sender.sent[0].body, /^Deadbolt verification code: \d{6}\. It expires in 10 min\./);
    assert.equal(sender.sent[0].to, JP);
  });

  it('S3: a resend is refused until 30 s after the last send, with the seconds left', async () => {
    const u = user('u2');
    await send(u, false);
    clock += 12_000;
    assert.deepEqual(await send(u, true), { ok: false, error: 'too_soon', phone: JP, retryAfterSeconds: 18 });
    assert.deepEqual(await factor.status(u, 'signin', 'flow-1'), {
      phone: JP,
      expired: false,
      retryAfterSeconds: 18,
    });
    clock += 18_000;
    const resent = await send(u, true);
    assert.ok(resent.ok && resent.sent);
    assert.equal(sender.sent.length, 2);
    assert.equal(sender.sent[1].originator, '10002', 'S3: the originator may change');
    clock += 10_000;
    assert.deepEqual(await send(u, true), { ok: false, error: 'too_soon', phone: JP, retryAfterSeconds: 20 });
  });

  it('S3, S4: within the first half of the lifetime a resend carries the same code; later a new one; 10 min after its first send a code expires', async () => {
    const u = user('u3');
    await send(u, false);
    const first = sender.codeOf();
    clock += 4 * MINUTE;
    await send(u, true);
    assert.equal(sender.codeOf(), first, 'the same code');
    assert.match(sender.sent[1].body, /expires in 6 min/, 'its lifetime did not restart');
    clock += 6 * MINUTE;
    assert.deepEqual(
      await check(u, first),
      { ok: false, reason: 'expired' },
      'expired 10 min after the first send',
    );
    assert.equal((await factor.status(u, 'signin', 'flow-1'))?.expired, true);
    await send(u, true);
    const second = sender.codeOf();
    assert.match(sender.sent[2].body, /expires in 10 min/);
    if (second !== first) assert.deepEqual(await check(u, first), { ok: false, reason: 'invalid' });
    clock += 4 * MINUTE;
    await send(u, true);
    assert.equal(sender.codeOf(), second, 'the same code again, 4 min after it was first sent');
    assert.match(sender.sent[3].body, /expires in 6 min/);
    // Past half of its lifetime, a resend brings a new code (the old one would be nearly expired).
    clock += 90_000;
    await send(u, true);
    assert.match(sender.sent[4].body, /expires in 10 min/);
    assert.deepEqual(await check(u, sender.codeOf()), { ok: true, phone: JP });
  });

  it('S4: a code is accepted once, within 5 attempts; typing variants are accepted', async () => {
    const u = user('u4');
    await send(u, false);
    const code = sender.codeOf();
    const spaced = `${code.slice(0, 3)} ${code.slice(3)}`.replace(/\d/g, (d) =>
      String.fromCharCode(0xff10 + Number(d)),
    );
    assert.equal(normalizeSmsCode(spaced), code, 'full-width digits and a space');
    assert.equal(normalizeSmsCode('12345'), undefined);
    assert.equal(normalizeSmsCode('1234567'), undefined);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < MAX_ATTEMPTS_PER_CODE - 1; i++) {
      assert.deepEqual(await check(u, wrong), { ok: false, reason: 'invalid' });
    }
    assert.deepEqual(await check(u, spaced), { ok: true, phone: JP }, 'the 5th attempt may be right');
    assert.deepEqual(await check(u, code), { ok: false, reason: 'none' }, 'single use');

    await send(u, false, JP, 'flow-2');
    const other = sender.codeOf();
    const wrong2 = other === '000000' ? '111111' : '000000';
    for (let i = 0; i < MAX_ATTEMPTS_PER_CODE; i++) await check(u, wrong2, 'flow-2');
    assert.deepEqual(await check(u, other, 'flow-2'), { ok: false, reason: 'expired' }, 'void after 5 wrong');
  });

  it('S4: racing checks with the right code: exactly one wins', async () => {
    const u = user('u5');
    await send(u, false);
    const code = sender.codeOf();
    const results = await Promise.all([check(u, code), check(u, code), check(u, code)]);
    assert.equal(results.filter((r) => r.ok).length, 1);
  });

  it('P5 bypass: a challenge is bound to its flow, its user and its purpose; a sealed record moved elsewhere does not open', async () => {
    const u = user('u6');
    const mallory = user('m6');
    await send(u, false);
    const code = sender.codeOf();
    assert.deepEqual(await check(u, code, 'flow-other'), { ok: false, reason: 'none' });
    assert.deepEqual(await check(mallory, code), { ok: false, reason: 'none' });
    assert.deepEqual(await factor.check({ user: u, purpose: 'enroll', flowKey: 'flow-1', code }), {
      ok: false,
      reason: 'none',
    });
    const sealed = await eph.kv.get('sms:signin:u6:flow-1');
    assert.ok(sealed && !bareCode(code).test(sealed), 'sealed, no code in the clear');
    await eph.kv.set('sms:signin:m6:flow-1', sealed, 60);
    assert.deepEqual(await check(mallory, code), { ok: false, reason: 'none' }, 'AAD binds it to u6');
    assert.deepEqual(await check(u, code), { ok: true, phone: JP });
  });

  it('S4: sends per destination country are budgeted; a hit is audited and nothing is sent', async () => {
    for (let i = 0; i < 12; i++) {
      const phone = `+8190123450${String(i).padStart(2, '0')}`;
      const r = await factor.send({
        user: user(`c${i}`),
        purpose: 'signin',
        flowKey: `f${i}`,
        phone,
        resend: false,
        ip: `192.0.2.${i}`,
      });
      assert.ok(r.ok, JSON.stringify(r));
    }
    const refused = await factor.send({
      user: user('c99'),
      purpose: 'signin',
      flowKey: 'f99',
      phone: '+819012345099',
      resend: false,
      ip: '192.0.2.99',
    });
    assert.equal(refused.ok, false);
    assert.ok(!refused.ok && refused.error === 'rate_limited' && refused.scope === 'country');
    assert.ok(refused.retryAfterSeconds > 0);
    assert.equal(sender.sent.length, 12);
    const event = sor.audits.at(-1);
    assert.equal(event?.action, 'sms.rate_limited');
    assert.equal(event?.targetUserId, 'c99');
    assert.deepEqual(
      { scope: event?.details.scope, country: event?.details.country },
      { scope: 'country', country: 'JP' },
    );
    assert.ok(!JSON.stringify(event).includes('+819012345099'), 'the number is masked in the audit log');
    // A US number is another country's budget.
    const us = await factor.send({
      user: user('c100'),
      purpose: 'signin',
      flowKey: 'f100',
      phone: '+12015550123',
      resend: false,
    });
    assert.ok(us.ok);
  });

  it('S5: a provider failure changes nothing stored and is logged without the code or the number', async () => {
    const u = user('u7');
    sender.failWith = new SmsSendError('timeout', { provider: 'messagebird' });
    assert.deepEqual(await send(u, false), { ok: false, error: 'send_failed', phone: JP, kind: 'timeout' });
    assert.equal(await factor.status(u, 'signin', 'flow-1'), undefined, 'no challenge stored');
    sender.failWith = undefined;
    await send(u, false);
    const code = sender.codeOf();
    clock += 5 * MINUTE;
    sender.failWith = new SmsSendError('unavailable', { provider: 'messagebird', statusCode: 503 });
    const failed = await send(u, true);
    assert.ok(!failed.ok && failed.error === 'send_failed');
    assert.deepEqual(await factor.status(u, 'signin', 'flow-1'), {
      phone: JP,
      expired: false,
      retryAfterSeconds: 0,
    });
    assert.deepEqual(await check(u, code), { ok: true, phone: JP }, 'the earlier code still works');
    const text = logs.join('');
    assert.match(text, /"msg":"sms send failed"/);
    assert.match(text, /"kind":"timeout"/);
    assert.ok(!bareCode(code).test(text));
    assert.ok(!text.includes(JP));
    assert.ok(text.includes('+81 •• •••• 5678'));
  });

  it('S2: a stored number in a blocked country is not texted', async () => {
    const r = await send(user('u8'), false, '+79123456789');
    assert.deepEqual(r, { ok: false, error: 'blocked', phone: '+79123456789', country: 'RU' });
    assert.equal(sender.sent.length, 0);
  });

  it('L2, L4: the Factor interface — challenge texts the enrolled phone, verify answers amr sms and resets failures', async () => {
    const u = user('u9');
    const records = [await sor.insertFactor({ userId: u.id, type: 'sms', data: { phone: JP } })].map((r) => ({
      ...r,
      failedAttempts: 3,
    }));
    assert.equal(factor.usable(records).length, 1);
    assert.equal(
      factor.usable([{ ...records[0], lockedAt: new Date() }]).length,
      0,
      'a locked phone is not usable',
    );
    const state = await factor.challenge({ user: u, records, flowKey: 'i1', resend: false });
    assert.deepEqual(state, { sentTo: '+81 •• •••• 5678', retryAfterSeconds: 30 });
    const wrong = sender.codeOf() === '000000' ? '111111' : '000000';
    assert.deepEqual(await factor.verify({ user: u, records, code: wrong, flowKey: 'i1' }), {
      ok: false,
      reason: 'invalid',
      factorId: records[0].id,
    });
    assert.deepEqual(await factor.verify({ user: u, records, code: sender.codeOf(), flowKey: 'i1' }), {
      ok: true,
      factorId: records[0].id,
      amr: ['sms'],
    });
    assert.deepEqual(sor.updates, [[records[0].id, { failedAttempts: 0 }]]);
    assert.deepEqual(await factor.verify({ user: u, records, code: sender.codeOf(), flowKey: 'i1' }), {
      ok: false,
      reason: 'expired',
      factorId: records[0].id,
    });
  });

  it('S1–S3: enrollment parses national formats, refuses blocked countries and garbage, and activates on the right code', async () => {
    const u = user('u10');
    const enrollment = createSmsEnrollment(
      { config, eph, sor: sor as unknown as SystemOfRecord, logger: pino({ level: 'silent' }) },
      factor,
    );
    assert.deepEqual(await enrollment.start(u, 'e1', '+7 912 345-67-89', undefined), {
      ok: false,
      error: 'blocked',
      phone: '',
      country: 'RU',
    });
    assert.deepEqual(await enrollment.start(u, 'e1', 'call me', 'JP'), { ok: false, error: 'invalid' });
    const started = await enrollment.start(u, 'e1', '090-1234-5678', 'JP', { locale: 'ja' });
    assert.ok(started.ok && started.sent && started.phone === JP);
    assert.match(sender.sent[0].body, /^Deadbolt の認証コード: \d{6}/, 'the message in the page language');
    assert.deepEqual(await enrollment.confirm(u, 'e1', '12345', { actorUserId: u.id }), {
      ok: false,
      reason: 'incorrect',
    });
    const done = await enrollment.confirm(u, 'e1', sender.codeOf(), { actorUserId: u.id, ip: '192.0.2.7' });
    assert.ok(done.ok);
    assert.deepEqual(
      sor.factors.map((f) => [f.userId, f.type, f.data]),
      [['u10', 'sms', { phone: JP }]],
    );
    const enrolled = sor.audits.find((a) => a.action === 'factor.enrolled');
    assert.deepEqual(enrolled?.details, { type: 'sms', phone: '+81 •• •••• 5678' });
    assert.deepEqual(await enrollment.confirm(u, 'e1', sender.codeOf(), { actorUserId: u.id }), {
      ok: false,
      reason: 'expired',
    });
    assert.deepEqual(await enrollment.start(u, 'e2', '090-1234-5679', 'JP'), {
      ok: false,
      error: 'already_enrolled',
    });
  });
});

describe('S6 removing SMS (canRemoveSms)', () => {
  const org = (plan: 'free' | 'paid', requireMfaForAllUsers = false): Organization => ({
    id: `org-${plan}-${requireMfaForAllUsers}`,
    name: 'Org',
    plan,
    requireMfaForAllUsers,
    ssoEnforced: false,
    sso: null,
    createdAt: new Date(),
  });
  const state = (orgs: Organization[], enrolled: UserMfaState['enrolled']) => ({
    user: user('s6'),
    memberships: orgs.map(
      (o): MembershipWithOrg => ({
        userId: 's6',
        orgId: o.id,
        role: 'member',
        createdAt: new Date(),
        org: o,
      }),
    ),
    enrolled,
  });

  it('S6, M3: where MFA is mandatory and SMS is the only method, removal is refused: add the app first', () => {
    for (const orgs of [[org('paid')], [org('free', true)], [org('free'), org('paid')]]) {
      assert.deepEqual(canRemoveSms(state(orgs, ['sms']), defaultMfaPolicy), {
        ok: false,
        reason: 'add_app_first',
        messageKey: 'sms.remove.add_app_first',
      });
    }
    // Backup codes alone are not a method; a locked app is not in `enrolled`.
    assert.equal(canRemoveSms(state([org('paid')], ['sms', 'backup_code']), defaultMfaPolicy).ok, false);
    assert.match(catalogsForTest.en['sms.remove.add_app_first'], /Add the authenticator app first/);
    assert.match(catalogsForTest.ja['sms.remove.add_app_first'], /SMS を削除する前に、認証アプリを有効に/);
  });

  it('S6, M3, M4: with the app as well, or where MFA is optional, SMS may be removed', () => {
    assert.deepEqual(canRemoveSms(state([org('paid')], ['totp', 'sms', 'backup_code']), defaultMfaPolicy), {
      ok: true,
    });
    assert.deepEqual(canRemoveSms(state([org('free')], ['sms']), defaultMfaPolicy), { ok: true });
    assert.deepEqual(canRemoveSms(state([], ['sms']), defaultMfaPolicy), { ok: true });
    assert.equal(
      canRemoveSms(state([org('paid')], ['totp']), defaultMfaPolicy).ok,
      false,
      'nothing to remove',
    );
  });

  it('P3: the rule asks the configured policy hook', () => {
    const strict = () => ({
      requirement: 'required' as const,
      reason: 'step_up' as const,
      allowedFactors: [],
      preferred: null,
      mustEnroll: true,
    });
    assert.equal(canRemoveSms(state([], ['sms']), strict).ok, false);
  });
});
