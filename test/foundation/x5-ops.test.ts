// X5: a health endpoint that checks both stores, Prometheus metrics, request ids on every response,
// and structured (JSON) request logs that carry the request id and never a password or a code.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config/index.ts';
import { hashPassword } from '../../src/crypto/password.ts';
import { listen, openServices, type RunningServer } from '../../src/server.ts';
import { Browser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import {
  freePort,
  REDIS_URL,
  RP_CLIENTS,
  STORE_MODES,
  startTestServer,
  type TestServer,
} from '../support/server.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The value of one sample of a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf('}'));
    if (want.every((l) => labelText.split(',').includes(l))) return Number(line.split(' ').at(-1));
  }
  return undefined;
}

for (const mode of STORE_MODES) {
  describe(`X5: operations (${mode} stores)`, function () {
    this.timeout(30_000);
    let server: TestServer;
    before(async () => {
      server = await startTestServer(mode);
    });
    after(() => server?.stop());

    it('X5: /healthz is 200 and names both stores', async () => {
      const res = await fetch(new URL('/healthz', server.issuer));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const kinds = mode === 'real' ? ['postgres', 'redis'] : ['pglite', 'memory'];
      assert.deepEqual(await res.json(), {
        status: 'ok',
        database: { status: 'up', kind: kinds[0] },
        redis: { status: 'up', kind: kinds[1] },
      });
    });

    it('X5: /metrics counts requests and their latency per route and status', async () => {
      const read = () => fetch(new URL('/metrics', server.issuer)).then((r) => r.text());
      await fetch(new URL('/.well-known/openid-configuration', server.issuer));
      await fetch(new URL('/no-such-page', server.issuer));
      const before = await read();
      assert.match(before, /# TYPE deadbolt_http_requests_total counter/);
      assert.match(before, /# TYPE deadbolt_http_request_duration_seconds histogram/);
      const labels = { method: 'GET', route: '/.well-known', status: '200' };
      const count = sample(before, 'deadbolt_http_requests_total', labels);
      assert.ok(count && count >= 1, 'the discovery request was counted');
      assert.ok(sample(before, 'deadbolt_http_requests_total', { route: '/other', status: '404' })! >= 1);
      const latency = { method: 'GET', route: '/.well-known' };
      assert.ok(sample(before, 'deadbolt_http_request_duration_seconds_count', latency)! >= 1);

      await fetch(new URL('/.well-known/openid-configuration', server.issuer));
      const after = await read();
      assert.equal(sample(after, 'deadbolt_http_requests_total', labels), count + 1);
      // Interaction ids never become label values (bounded cardinality).
      assert.doesNotMatch(after, /route="\/interaction\/[^"]/);
    });

    it('X5: every response carries an x-request-id; a sane incoming one is kept', async () => {
      const responses = await Promise.all(
        [
          ['/healthz', {}],
          ['/metrics', {}],
          ['/no-such-page', {}],
          ['/static/style.css', {}],
          ['/interaction/unknown', {}],
          ['/auth?client_id=nope', {}],
          [
            '/token',
            { method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
          ],
          ['/.well-known/openid-configuration', {}],
        ].map(([path, init]) =>
          fetch(new URL(path as string, server.issuer), { redirect: 'manual', ...(init as RequestInit) }),
        ),
      );
      const ids = responses.map((r) => r.headers.get('x-request-id') ?? '');
      for (const [i, id] of ids.entries()) assert.match(id, UUID, `response ${i} (${responses[i].status})`);
      assert.equal(new Set(ids).size, ids.length, 'one id per request');

      const kept = await fetch(new URL('/healthz', server.issuer), {
        headers: { 'x-request-id': 'lb-42.abc_Z' },
      });
      assert.equal(kept.headers.get('x-request-id'), 'lb-42.abc_Z');
      const replaced = await fetch(new URL('/healthz', server.issuer), {
        headers: { 'x-request-id': `evil id ${'x'.repeat(100)}` },
      });
      assert.match(replaced.headers.get('x-request-id') ?? '', UUID);
    });
  });
}

describe('X5: structured request logs', function () {
  this.timeout(30_000);
  const lines: Record<string, unknown>[] = [];
  let running: RunningServer;
  let clientsFile: string;
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase();
    clientsFile = join(tmpdir(), `deadbolt-x5-clients-${randomBytes(6).toString('hex')}.json`);
    await writeFile(clientsFile, JSON.stringify(RP_CLIENTS));
    const port = await freePort();
    const config = await loadConfig({
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: ':memory:',
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: `deadbolt-test:x5-${randomBytes(6).toString('hex')}:`,
      CLIENTS_FILE: clientsFile,
      DEMO: 'false',
      LOG_LEVEL: 'info',
    });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const services = await openServices(config, pino({ level: 'info' }, sink));
    await services.sor.createUser({
      email: 'logged@example.test',
      passwordHash: await hashPassword('pw-1234-secret'),
    });
    running = await listen(services);
  });
  after(async () => {
    await running?.close();
    await db?.drop();
    await rm(clientsFile, { force: true });
  });

  it('X5: one JSON line per request with its id, status and duration; no password, no code', async () => {
    const rp = await RelyingParty.discover(running.url);
    const browser = new Browser();
    const page = await open(browser, await rp.authorize());
    const done = await submitPassword(browser, page, 'logged@example.test', 'pw-1234-secret');
    const code = new URL(done.url).searchParams.get('code');
    assert.ok(code, 'signed in');
    const res = await fetch(new URL('/healthz', running.url));
    const id = res.headers.get('x-request-id');

    const entry = lines.find((l) => l.reqId === id && l.msg === 'request');
    assert.ok(entry, 'the request is logged under its x-request-id');
    assert.equal(entry.method, 'GET');
    assert.equal(entry.path, '/healthz');
    assert.equal(entry.status, 200);
    assert.equal(typeof entry.ms, 'number');
    assert.ok(lines.some((l) => l.path === `${new URL(page.url).pathname}/login` && l.status === 303));
    const all = JSON.stringify(lines);
    assert.ok(!all.includes('pw-1234-secret'), 'the password never reaches the log');
    assert.ok(!all.includes(code), 'nor the authorization code');
  });
});
