// A3: the embedded store (PGlite under DATA_DIR) is single-process, so its server holds an
// exclusive lock: a second server and a CLI command are refused with a message naming the running
// process; nothing written while it runs is lost. The lock goes on SIGTERM; a stale one (its
// process was killed) is taken over with a log line. Against DATABASE_URL the CLI runs side by side.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLockedError, lockDataDir } from '../../src/store/sor/data-dir-lock.ts';
import { createPostgresStore } from '../../src/store/sor/index.ts';
import { Browser } from '../support/browser.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { RelyingParty, signInWithPassword } from '../support/rp.ts';
import { freePort, RP_CLIENTS, startTestServer } from '../support/server.ts';

const ROOT = new URL('../../', import.meta.url);
const PASSWORD = 'locked-store password 123';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('A3: the embedded store is locked by the process that opened it', function () {
  this.timeout(120_000);
  let dir: string;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-a3-'));
    await writeFile(join(dir, 'clients.json'), JSON.stringify(RP_CLIENTS));
    env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DEMO: 'false',
      DATA_DIR: dir,
      CLIENTS_FILE: join(dir, 'clients.json'),
    };
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  function cli(args: string[], stdin = '', extra: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        ['bin/deadbolt.js', ...args],
        { cwd: ROOT, env: { ...env, ...extra } },
        (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        },
      );
      child.stdin?.end(stdin);
    });
  }

  /** Starts `npm start` (src/main.ts) on DATA_DIR; resolves once listening, or with its exit. */
  async function server(): Promise<{
    child: ChildProcess;
    port: number;
    out: () => string;
    exit: Promise<number>;
  }> {
    const port = await freePort();
    const child = spawn(process.execPath, ['scripts/node24.cjs', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...env, PORT: String(port), HOST: '127.0.0.1', ISSUER: `http://localhost:${port}` },
    });
    children.push(child);
    let out = '';
    const exit = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
    await new Promise<void>((resolve) => {
      const seen = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('deadbolt listening')) resolve();
      };
      child.stdout.on('data', seen);
      child.stderr.on('data', seen);
      void exit.then(() => resolve());
    });
    return { child, port, out: () => out, exit };
  }

  it('A3: a second server and every CLI command are refused while a server runs; nothing is lost', async () => {
    const first = await server();
    assert.match(first.out(), /deadbolt listening/);
    const lock = JSON.parse(await readFile(join(dir, 'deadbolt.lock'), 'utf8')) as { pid: number };

    const second = await server();
    assert.equal(await second.exit, 1, 'the second server exits');
    assert.match(second.out(), /refusing to start: DATA_DIR .* is in use by another Deadbolt process/);
    assert.match(second.out(), new RegExp(`pid ${lock.pid}\\b.*running since \\d{4}-`));

    const [write, read] = await Promise.all([
      cli(['user', 'create', '--email', 'ann@acme.test', '--password-stdin'], PASSWORD),
      cli(['user', 'list']),
    ]);
    for (const r of [write, read]) {
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '', 'no success printed');
      assert.match(r.stderr, new RegExp(`pid ${lock.pid}\\b`));
      assert.match(r.stderr, /Stop that process first .*DATABASE_URL/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }

    // SIGTERM drains and releases the lock; then the CLI writes, and the next server signs it in.
    first.child.kill('SIGTERM');
    assert.equal(await first.exit, 0);
    assert.equal(existsSync(join(dir, 'deadbolt.lock')), false, 'lock removed on SIGTERM');
    const created = await cli(['user', 'create', '--email', 'ann@acme.test', '--password-stdin'], PASSWORD);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(existsSync(join(dir, 'deadbolt.lock')), false, 'the CLI released it too');

    const again = await server();
    try {
      const rp = await RelyingParty.discover(`http://localhost:${again.port}`);
      const { tokens } = await signInWithPassword(new Browser(), rp, 'ann@acme.test', PASSWORD);
      assert.equal(tokens.claims()?.sub, (JSON.parse(created.stdout) as { id: string }).id);
    } finally {
      again.child.kill('SIGTERM');
      assert.equal(await again.exit, 0);
    }
  });

  it('A3: a stale lock (its server was killed) is taken over with a log line', async () => {
    const killed = await server();
    killed.child.kill('SIGKILL');
    await killed.exit;
    assert.ok(existsSync(join(dir, 'deadbolt.lock')), 'a killed process leaves its lock');

    const list = await cli(['user', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stderr, new RegExp(`took over a stale lock .*pid ${killed.child.pid}\\b.* is gone`));
    assert.deepEqual(
      (JSON.parse(list.stdout) as { email: string }[]).map((u) => u.email),
      ['ann@acme.test'],
    );

    const killedAgain = await server();
    killedAgain.child.kill('SIGKILL');
    await killedAgain.exit;
    const next = await server();
    assert.match(next.out(), /took over a stale DATA_DIR lock/);
    next.child.kill('SIGTERM');
    assert.equal(await next.exit, 0);
  });

  it('A3: 50 openers at once on one DATA_DIR: exactly one gets the lock, the others are refused', async () => {
    const race = await mkdtemp(join(tmpdir(), 'deadbolt-a3-race-'));
    try {
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => lockDataDir(race)));
      const held = results.filter((r) => r.status === 'fulfilled');
      assert.equal(held.length, 1);
      for (const r of results)
        if (r.status === 'rejected') assert.ok(r.reason instanceof DataDirLockedError, String(r.reason));
      (held[0] as PromiseFulfilledResult<{ release(): void }>).value.release();
      assert.equal(existsSync(join(race, 'deadbolt.lock')), false);
    } finally {
      await rm(race, { recursive: true, force: true });
    }
  });

  it('A3: against DATABASE_URL the CLI works side by side with two running servers', async () => {
    const db = await createTestDatabase();
    const [a, b] = await Promise.all([
      startTestServer('real', { env: { DATABASE_URL: db.url } }),
      startTestServer('real', { env: { DATABASE_URL: db.url } }),
    ]);
    try {
      const r = await cli(['user', 'create', '--email', 'bo@acme.test', '--password-stdin'], PASSWORD, {
        DATABASE_URL: db.url,
      });
      assert.equal(r.code, 0, r.stderr);
      for (const s of [a, b]) {
        const rp = await RelyingParty.discover(s.issuer);
        const { tokens } = await signInWithPassword(new Browser(), rp, 'bo@acme.test', PASSWORD);
        assert.equal(tokens.claims()?.sub, (JSON.parse(r.stdout) as { id: string }).id);
      }
      const sor = createPostgresStore(db.url);
      try {
        assert.ok(await sor.findUserByEmail('bo@acme.test'));
      } finally {
        await sor.close();
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await db.drop();
    }
  });
});
