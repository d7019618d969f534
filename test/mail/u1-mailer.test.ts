// U1: one mailer port — the outbox file (contract), SMTP through nodemailer's stream transport (no
// network), the rate-limited mail service (a failed send changes nothing), en/ja templates.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import pino from 'pino';
import { loadConfig } from '../../src/config/index.ts';
import { mailSettings } from '../../src/config/mail.ts';
import { envSchema } from '../../src/config/schema.ts';
import { type Mailer, MailSendError } from '../../src/mail/mailer.ts';
import { createOutboxMailer, readMailOutbox } from '../../src/mail/outbox.ts';
import { renderMail } from '../../src/mail/render.ts';
import { createMailService } from '../../src/mail/service.ts';
import { createSmtpMailer } from '../../src/mail/smtp.ts';
import { createMemoryStore } from '../../src/store/ephemeral/index.ts';

const MSG = {
  to: 'ann@example.com',
  subject: 'Hello',
  text: 'link https://x/recover/SECRET',
  html: '<p>hi</p>',
};

describe('U1 mailer port', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-mail-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('U1: the outbox appends one JSON line per message (owner-only file), read back in order, 60 at once', async () => {
    const file = join(dir, 'sub', 'mail.jsonl');
    const mailer = createOutboxMailer({
      file,
      from: 'Deadbolt <no-reply@example.com>',
      replyTo: 'help@example.com',
    });
    assert.deepEqual(await readMailOutbox(file), []);
    await Promise.all(Array.from({ length: 60 }, (_, i) => mailer.send({ ...MSG, subject: `m${i}` })));
    const entries = await readMailOutbox(file);
    assert.equal(entries.length, 60);
    assert.deepEqual(new Set(entries.map((e) => e.subject)).size, 60);
    assert.equal(entries[0].from, 'Deadbolt <no-reply@example.com>');
    assert.equal(entries[0].replyTo, 'help@example.com');
    assert.equal(entries[0].html, '<p>hi</p>');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it('U1: the SMTP adapter sends From, Reply-To, subject, text and HTML through nodemailer (stream transport)', async () => {
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    const raw: string[] = [];
    const sendMail = transport.sendMail.bind(transport);
    transport.sendMail = (async (m: SendMailOptions) => {
      const info = await sendMail(m);
      raw.push((info as unknown as { message: Buffer }).message.toString('utf8'));
      return info;
    }) as typeof transport.sendMail;
    const mailer = createSmtpMailer({
      transport,
      from: 'Deadbolt <no-reply@example.com>',
      replyTo: 'help@example.com',
    });
    await mailer.send(
      await renderMail('ann@example.com', 'ja', {
        subject: 'mail.notify.password.changed.subject',
        paragraphs: ['mail.notify.password.changed.body'],
      }),
    );
    assert.equal(raw.length, 1);
    assert.match(raw[0], /^From: Deadbolt <no-reply@example\.com>$/m);
    assert.match(raw[0], /^Reply-To: help@example\.com$/m);
    assert.match(raw[0], /^To: ann@example\.com$/m);
    assert.match(raw[0], /^Subject: =\?UTF-8\?/m); // Japanese subject, encoded
    assert.match(raw[0], /multipart\/alternative/);
    assert.match(raw[0], /text\/plain/);
    assert.match(raw[0], /text\/html/);
  });

  it('U1: an unreachable SMTP server gives a clear error without the message or the server reply', async () => {
    const mailer = createSmtpMailer({ transport: 'smtp://127.0.0.1:1', from: 'a@example.com' });
    const err = await mailer.send(MSG).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof MailSendError);
    assert.equal(err.kind, 'unavailable');
    assert.equal(err.message, 'The mail server is unavailable.');
    assert.doesNotMatch(JSON.stringify({ ...err, message: err.message }), /SECRET/);
  });

  it('U1: sends are limited per address, per user and per IP; a failed send spends nothing and the log has no body', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    let fail = true;
    const sent: string[] = [];
    const flaky: Mailer = {
      name: 'smtp',
      async send(m) {
        if (fail) throw new MailSendError('unavailable', 'ECONNECTION');
        sent.push(m.to);
      },
    };
    const limits = { windowSeconds: 3600, perAddress: 2, perUser: 3, perIp: 4 };
    const mail = createMailService(flaky, createMemoryStore(), { limits }, logger);
    const failed = await mail.send(MSG, { kind: 'recovery', userId: 'u1', ip: '10.0.0.1' });
    assert.deepEqual(failed, { sent: false, reason: 'failed', message: 'The mail server is unavailable.' });
    fail = false;
    assert.deepEqual(await mail.send(MSG, { kind: 'recovery', userId: 'u1' }), { sent: true });
    assert.deepEqual(await mail.send(MSG, { kind: 'recovery', userId: 'u1' }), { sent: true });
    const third = await mail.send(MSG, { kind: 'recovery', userId: 'u1' });
    assert.equal(third.sent, false);
    assert.equal(third.sent === false && third.reason, 'rate_limited');
    // Per user: another address of the same user, then the user's budget (3) is spent.
    assert.equal((await mail.send({ ...MSG, to: 'b@example.com' }, { kind: 'x', userId: 'u1' })).sent, true);
    assert.equal((await mail.send({ ...MSG, to: 'c@example.com' }, { kind: 'x', userId: 'u1' })).sent, false);
    // Per IP: 4 sends from one address to different people.
    const ip = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        mail.send({ ...MSG, to: `p${i}@example.com` }, { kind: 'x', ip: '10.9.9.9' }),
      ),
    );
    assert.equal(ip.filter((r) => r.sent).length, 4);
    assert.deepEqual(sent.length, 7);
    assert.doesNotMatch(lines.join(''), /SECRET|https:\/\/x/);
  });

  it('U1: the same strings in text and HTML, English and Japanese; HTML is escaped', async () => {
    const content = {
      subject: 'mail.notify.factor.added.subject',
      paragraphs: ['mail.notify.factor.added.body'],
      params: { method: '<b>App</b>' },
      link: { href: 'http://localhost/recover/abc', label: 'mail.recovery.action' },
      facts: [{ label: 'mail.fact.ip', value: '10.0.0.1' }],
    };
    const en = await renderMail('a@example.com', 'en', content);
    const ja = await renderMail('a@example.com', 'ja', content);
    assert.equal(en.subject, 'A sign-in method was added to your account');
    assert.match(en.text, /<b>App<\/b> was added/);
    assert.match(en.html, /&lt;b&gt;App&lt;\/b&gt; was added/);
    assert.match(en.text, /Choose a new password:\nhttp:\/\/localhost\/recover\/abc/);
    assert.match(en.html, /href="http:\/\/localhost\/recover\/abc"/);
    assert.match(en.text, /IP address: 10\.0\.0\.1/);
    assert.equal(ja.subject, 'アカウントに認証方法が追加されました');
    assert.match(ja.html, /<html lang="ja">/);
    assert.match(ja.text, /IP アドレス: 10\.0\.0\.1/);
  });

  it('U1: production refuses the outbox unless MAIL_ALLOW_DEV_PROVIDER, and SMTP needs SMTP_URL and MAIL_FROM', async () => {
    const settings = (env: Record<string, string>) =>
      mailSettings(envSchema.parse({ DATA_DIR: dir, ...env }));
    const message = (env: Record<string, string>) => {
      try {
        settings(env);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    const prod = { NODE_ENV: 'production' };
    assert.match(
      message({ ...prod, MAIL_PROVIDER: 'outbox' }),
      /MAIL_PROVIDER=outbox .* refused when NODE_ENV=production/,
    );
    assert.equal(
      settings({ ...prod, MAIL_PROVIDER: 'outbox', MAIL_ALLOW_DEV_PROVIDER: 'true' }).provider,
      'outbox',
    );
    assert.match(message(prod), /SMTP_URL is required/);
    assert.match(message({ ...prod, SMTP_URL: 'smtp://mail.example.com' }), /MAIL_FROM is required/);
    assert.equal(
      settings({ ...prod, SMTP_URL: 'smtp://mail.example.com', MAIL_FROM: 'a@example.com' }).provider,
      'smtp',
    );
    const bad = await loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dir,
      SMTP_URL: 'http://mail.example.com',
    }).then(
      () => '',
      (e: Error) => e.message,
    );
    assert.match(bad, /SMTP_URL: must be an smtp/);
    const dev = await loadConfig({ NODE_ENV: 'test', DATA_DIR: dir });
    assert.equal(dev.mail.provider, 'outbox');
    assert.equal(dev.mail.outboxFile, join(dir, 'mail-outbox.jsonl'));
  });
});
