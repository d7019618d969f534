// E3: deadbolt.handler() — routes() for Express or a plain Node http server: Deadbolt's pages are
// answered, everything else reaches the host's next() untouched (here: the provider itself).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';
import pino from 'pino';
import { createDeadbolt, type Deadbolt } from '../../src/index.ts';
import { freePort } from '../support/server.ts';

describe('E3: the Node http / Express adapter', () => {
  let deadbolt: Deadbolt;
  let server: Server;
  let base: string;
  const logs: string[] = [];

  before(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    deadbolt = await createDeadbolt({
      issuer: base,
      stores: { dataDir: ':memory:' },
      settings: { LOG_LEVEL: 'warn' },
      logger: pino({ level: 'warn' }, { write: (line: string) => void logs.push(line) }),
      accounts: { findAccount: async () => undefined },
    });
    const provider = new Provider(
      base,
      deadbolt.configure({
        cookies: { keys: ['a plain-http host key, long enough 0123456789'] },
        features: { devInteractions: { enabled: false } },
        findAccount: async (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
      }),
    );
    const handler = deadbolt.handler(provider);
    const host = provider.callback();
    server = createServer((req, res) => handler(req, res, () => host(req, res)));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await deadbolt?.close();
  });

  it("E3: Deadbolt's static files and form posts are answered; other requests reach the host untouched", async () => {
    const css = await fetch(new URL('/static/style.css', base));
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
    const discovery = await fetch(new URL('/.well-known/openid-configuration', base));
    assert.equal(discovery.status, 200, 'the provider answered');
    const body = (await discovery.json()) as { claims_supported: string[] };
    assert.ok(body.claims_supported.includes('amr'), "configure()'s claims");
    const forged = await fetch(new URL('/interaction/nope/mfa/verify', base), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: 'code=123456',
    });
    assert.equal(forged.status, 400, "Deadbolt's own 4xx page");
    assert.match(await forged.text(), /<html/);
    const hostPage = await fetch(new URL('/interaction/nope', base), { headers: { accept: 'text/html' } });
    assert.notEqual(
      hostPage.status,
      500,
      `no interaction cookie: the host's (provider's) answer, ${hostPage.status}`,
    );
  });

  it('X1, E3: a tampered interaction cookie is not a 500 — the request goes to the host, and the log says what keys must be', async () => {
    const res = await fetch(new URL('/interaction/abc', base), {
      headers: { accept: 'text/html', cookie: '_interaction=abc; _interaction.sig=forged' },
    });
    assert.ok(res.status >= 400 && res.status < 500, `${res.status}`);
    assert.ok(logs.some((l) => l.includes('app.keys must be the provider configuration cookies.keys')));
  });
});
