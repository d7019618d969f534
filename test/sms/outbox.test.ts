// S3: the local SMS providers (outbox file, log) and the provider choice.
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSmsSender, type SmsLogger } from '../../src/sms/index.ts';
import { createLogSender } from '../../src/sms/log.ts';
import { createOutboxSender, readOutbox } from '../../src/sms/outbox.ts';

const POOL = ['11111', '22222'];

interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg?: string;
}

function memoryLogger(): SmsLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
}

describe('S3 local SMS providers', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-sms-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('outbox', () => {
    it('S3: appends one JSON line per message and reads them back in order', async () => {
      const file = join(dir, 'nested', 'deeper', 'outbox.jsonl');
      const times = [new Date('2025-01-02T03:04:05.000Z'), new Date('2025-01-02T03:04:06.000Z')];
      let t = 0;
      const randoms = [0, 0.9];
      let r = 0;
      const sender = createOutboxSender({
        file,
        originators: POOL,
        now: () => times[t++],
        random: () => randoms[r++],
      });
      assert.equal(sender.name, 'outbox');
      assert.deepEqual(await readOutbox(file), [], 'no file yet means an empty outbox');

      const first = await sender.send({ to: '+819012345678', body: 'Your code is 111111' });
      const second = await sender.send({ to: '+12015550123', body: 'Your code is 222222' });

      assert.deepEqual(first, { originator: '11111' });
      assert.deepEqual(second, { originator: '22222' });
      assert.deepEqual(await readOutbox(file), [
        {
          to: '+819012345678',
          originator: '11111',
          body: 'Your code is 111111',
          at: '2025-01-02T03:04:05.000Z',
        },
        {
          to: '+12015550123',
          originator: '22222',
          body: 'Your code is 222222',
          at: '2025-01-02T03:04:06.000Z',
        },
      ]);
      assert.equal((await stat(file)).mode & 0o077, 0, 'the outbox holds codes: owner-only');
    });

    it('S3: concurrent sends (two senders on one file) each land as a whole line', async () => {
      const file = join(dir, 'outbox.jsonl');
      const a = createOutboxSender({ file, originators: POOL });
      const b = createOutboxSender({ file, originators: POOL });
      const bodies = Array.from(
        { length: 50 },
        (_, i) => `code ${String(i).padStart(6, '0')} ${'x'.repeat(200)}`,
      );
      await Promise.all(bodies.map((body, i) => (i % 2 ? a : b).send({ to: '+819012345678', body })));
      const entries = await readOutbox(file);
      assert.equal(entries.length, bodies.length);
      assert.deepEqual(entries.map((e) => e.body).sort(), [...bodies].sort());
      assert.ok(entries.every((e) => POOL.includes(e.originator)));
    });

    it('S3: readOutbox reports a corrupt line instead of guessing', async () => {
      const file = join(dir, 'outbox.jsonl');
      await writeFile(file, '');
      await appendFile(file, `${JSON.stringify({ to: '+1', originator: '1', body: 'b', at: 'now' })}\n\n`);
      assert.equal((await readOutbox(file)).length, 1, 'blank lines are skipped');
      await appendFile(file, '{"to":\n');
      await assert.rejects(readOutbox(file), /line 3 is not JSON/);
      await writeFile(file, '{"to":"+1"}\n');
      await assert.rejects(readOutbox(file), /line 1 is not a message/);
    });

    it('S3: refuses an empty originator pool', () => {
      assert.throws(() => createOutboxSender({ file: join(dir, 'x'), originators: [] }), /empty/);
    });
  });

  describe('log', () => {
    it('S3: logs the masked recipient and the originator, never the body', async () => {
      const logger = memoryLogger();
      const sender = createLogSender({ originators: POOL, logger, random: () => 0.6 });
      const result = await sender.send({ to: '+819012345678', body: 'Your code is 314159' });

      assert.equal(sender.name, 'log');
      assert.deepEqual(result, { originator: '22222' });
      assert.equal(logger.lines.length, 1);
      const text = JSON.stringify(logger.lines);
      assert.ok(text.includes('+81 •• •••• 5678'), text);
      assert.ok(text.includes('22222'), text);
      assert.ok(!text.includes('314159'), 'the code is not logged');
      assert.ok(!text.includes('9012345678'), 'the full number is not logged');
    });
  });

  describe('createSmsSender', () => {
    const base = { originators: POOL, timeoutMs: 1000 };

    it('S3: picks the configured provider', () => {
      const logger = memoryLogger();
      const outboxFile = join(dir, 'o.jsonl');
      assert.equal(createSmsSender({ ...base, provider: 'outbox', outboxFile }, logger).name, 'outbox');
      assert.equal(createSmsSender({ ...base, provider: 'log', outboxFile }, logger).name, 'log');
      const mb = createSmsSender(
        { ...base, provider: 'messagebird', accessKey: 'live_secret', outboxFile },
        logger,
      );
      assert.equal(mb.name, 'messagebird');
      assert.ok(!JSON.stringify(logger.lines).includes('live_secret'), 'the access key is not logged');
      assert.ok(
        logger.lines.some((l) => l.level === 'warn'),
        'development providers are announced',
      );
    });

    it('S3: messagebird without an access key is a startup error', () => {
      assert.throws(
        () =>
          createSmsSender({ ...base, provider: 'messagebird', outboxFile: join(dir, 'o') }, memoryLogger()),
        /access key/,
      );
    });
  });
});
