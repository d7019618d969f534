// Z4: SIGTERM drains. The real server process (node src/main.ts, embedded stores) gets SIGTERM
// while a sign-in POST is in flight on a keep-alive connection: that request completes (with
// `Connection: close`), an idle keep-alive connection is closed at once, new connections are
// refused, and the process exits 0 well inside SHUTDOWN_DRAIN_MS.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PASSWORD } from '../../src/demo/seed.ts';
import { rawRequest } from '../support/raw-http.ts';
import { freePort } from '../support/server.ts';

const ROOT = new URL('../../', import.meta.url);
const DRAIN_MS = 10_000;

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

async function startServer(port: number, dataDir: string, drainMs = DRAIN_MS): Promise<Proc> {
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DEMO: 'true',
      LOG_LEVEL: 'info',
      SHUTDOWN_DRAIN_MS: String(drainMs),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => out, exited };
}

async function until(what: string, ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const cookiesOf = (res: { headers: http.IncomingHttpHeaders }, jar: Map<string, string>) => {
  for (const c of res.headers['set-cookie'] ?? []) {
    const [pair] = c.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
};

describe('Z4: SIGTERM drains the real server process', function () {
  this.timeout(60_000);
  let dir: string;
  let proc: Proc | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-z4-'));
  });
  after(async () => {
    if (proc && proc.child.exitCode === null) proc.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('Z4: an in-flight sign-in finishes with Connection: close, idle and new connections are closed, exit 0 quickly', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    proc = await startServer(port, dir);
    const p = proc;
    await until('the server listens', 30_000, () => p.output().includes('deadbolt listening'));

    // A person's keep-alive connection, brought to the sign-in page (demo relying party).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const jar = new Map<string, string>();
    let res = await rawRequest(base, '/demo/login', { agent });
    cookiesOf(res, jar);
    let location = res.headers.location ?? '';
    for (let i = 0; i < 5 && !/\/interaction\/[^/]+$/.test(new URL(location, base).pathname); i++) {
      const next = new URL(location, base);
      res = await rawRequest(base, `${next.pathname}${next.search}`, {
        agent,
        headers: { cookie: cookiesOf(res, jar) },
      });
      location = res.headers.location ?? '';
    }
    const interaction = new URL(location, base).pathname;
    res = await rawRequest(base, interaction, {
      agent,
      headers: { cookie: cookiesOf(res, jar), accept: 'text/html' },
    });
    assert.equal(res.status, 200);
    assert.match(res.text, /name="password"/);

    // Another client's idle keep-alive connection.
    const idleAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let idleSocket: net.Socket | undefined;
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${base}/healthz`, { agent: idleAgent }, (r) => {
        r.resume();
        r.on('end', () => resolve());
      });
      req.on('socket', (s) => {
        idleSocket = s;
      });
      req.on('error', reject);
    });
    assert.ok(idleSocket && !idleSocket.destroyed);
    const idleClosed = once(idleSocket, 'close');

    // The sign-in POST: headers and half the body now, the rest after SIGTERM.
    const body = new URLSearchParams({ email: 'member@acme.test', password: DEMO_PASSWORD }).toString();
    const post = http.request(`${base}${interaction}/login`, {
      agent,
      method: 'POST',
      headers: {
        cookie: cookiesOf(res, jar),
        accept: 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(Buffer.byteLength(body)),
      },
    });
    const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
      post.on('response', (r) => {
        r.resume();
        r.on('end', () => resolve(r));
      });
      post.on('error', reject);
    });
    post.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const signalled = Date.now();
    p.child.kill('SIGTERM');
    await until('the server starts draining', 5000, () => p.output().includes('shutting down'));
    await new Promise((resolve) => setTimeout(resolve, 100));

    // New connections are refused; the idle one is already closed.
    await assert.rejects(
      new Promise((resolve, reject) =>
        net.connect(port, '127.0.0.1').on('connect', resolve).on('error', reject),
      ),
      /ECONNREFUSED/,
    );
    await Promise.race([
      idleClosed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('idle connection still open')), 1000)),
    ]);

    post.end(body.slice(10));
    const done = await answered;
    assert.equal(done.statusCode, 303, 'the in-flight sign-in completed');
    assert.match(String(done.headers.location), /\/auth\//);
    assert.equal(done.headers.connection, 'close');

    const code = await p.exited;
    const took = Date.now() - signalled;
    assert.equal(code, 0, p.output().slice(-1000));
    assert.ok(took < 3000, `exited ${took} ms after SIGTERM (window ${DRAIN_MS} ms)`);
    agent.destroy();
    idleAgent.destroy();
  });

  it('Z4: a request still in flight when SHUTDOWN_DRAIN_MS runs out is cut and the exit code is 1, at the window', async () => {
    const port = await freePort();
    proc = await startServer(port, join(dir, 'window'), 500);
    const p = proc;
    await until('the server listens', 30_000, () => p.output().includes('deadbolt listening'));
    // A form POST whose body never finishes: the request stays in flight.
    const stuck = http.request(`http://127.0.0.1:${port}/interaction/none/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '100' },
    });
    const cut = new Promise<string>((resolve) => {
      stuck.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      stuck.on('response', (r) => resolve(`answered ${r.statusCode}`));
    });
    stuck.write('email=a');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const signalled = Date.now();
    p.child.kill('SIGTERM');
    const code = await p.exited;
    const took = Date.now() - signalled;
    assert.equal(code, 1, p.output().slice(-1000));
    assert.ok(took >= 450 && took < 3000, `exited ${took} ms after SIGTERM (window 500 ms)`);
    assert.equal(await cut, 'ECONNRESET');
    assert.match(p.output(), /drain window exceeded/);
  });
});
