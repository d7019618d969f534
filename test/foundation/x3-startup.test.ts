// X3, issue 16 item 12: clean start-up output. `node src/main.ts` in development prints the
// human-readable banner and pino-pretty lines (no JSON); in production JSON lines only; without
// pino-pretty (npm ci --omit=dev) LOG_FORMAT=pretty falls back to JSON with one stderr line; the
// CLI (`npx deadbolt`) prints no npm warnings, however often it is called.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateJwks } from '../../src/config/dev-secrets.ts';
import { openLogDestination } from '../../src/log-destination.ts';
import { freePort } from '../support/server.ts';

const ROOT = new URL('../../', import.meta.url);

/** Starts the server, waits for `ready` on stdout, stops it with SIGTERM; returns what it printed. */
async function startAndStop(env: Record<string, string>, ready: string) {
  const child: ChildProcess = spawn(process.execPath, ['src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = once(child, 'exit');
  const deadline = Date.now() + 20_000;
  while (!stdout.includes(ready) && child.exitCode === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGTERM');
  await exited;
  assert.ok(stdout.includes(ready), `the server printed "${ready}"; stdout: ${stdout} stderr: ${stderr}`);
  return { lines: stdout.split('\n').filter((l) => l.trim() !== ''), stderr };
}

const isJsonObject = (line: string) => {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
};

/** `npx` with its own npm cache: the first call is a newcomer's (npx links the project in). */
function npx(args: string[], cache: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, npm_config_cache: cache, npm_config_update_notifier: 'false' };
  return new Promise((resolve) => {
    execFile('npx', args, { cwd: ROOT, env, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('X3, issue 16 item 12: start-up output', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-x3-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('X3, issue 16 item 12: in development stdout is the banner and human-readable log lines, no JSON', async () => {
    const { lines, stderr } = await startAndStop(
      { NODE_ENV: 'development', DATA_DIR: join(dir, 'dev') },
      'Demo users',
    );
    const json = lines.filter(isJsonObject);
    assert.deepEqual(json, [], 'no JSON line on stdout');
    assert.match(
      lines[0],
      /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN): /,
      'the first line is a readable log line',
    );
    assert.ok(
      lines.some((l) => /INFO: deadbolt listening/.test(l)),
      'the "listening" line, readable',
    );
    assert.ok(
      lines.some((l) => l.trim().startsWith('Deadbolt is running at http://localhost:')),
      'the banner',
    );
    assert.equal(stderr, '', 'nothing on stderr');
  });

  it('X3, issue 16 item 12: with NODE_ENV=production stdout is JSON lines only', async () => {
    const jwksFile = join(dir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify(await generateJwks()));
    const { lines, stderr } = await startAndStop(
      {
        NODE_ENV: 'production',
        DATA_DIR: join(dir, 'prod'),
        ISSUER: 'https://id.example.com',
        COOKIE_KEYS: randomBytes(32).toString('base64url'),
        JWKS_FILE: jwksFile,
        FACTOR_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64url')}`,
        SMS_MESSAGEBIRD_ACCESS_KEY: 'test-access-key',
        SMS_ORIGINATORS: '10001,10002',
        SMTP_URL: 'smtp://mail.example.com',
        MAIL_FROM: 'no-reply@example.com',
      },
      'deadbolt listening',
    );
    assert.ok(lines.length >= 1);
    for (const line of lines) assert.ok(isJsonObject(line), `a JSON line: ${line}`);
    const listening = lines
      .map((l) => JSON.parse(l) as { msg: string })
      .find((l) => l.msg === 'deadbolt listening');
    assert.ok(listening, 'the "listening" line is JSON');
    assert.equal(stderr, '', 'nothing on stderr');
  });

  it('X3, issue 16 item 12: LOG_FORMAT=pretty without pino-pretty installed logs JSON and says so once on stderr', async () => {
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof write;
    let destination: unknown;
    try {
      destination = await openLogDestination('pretty', () =>
        Promise.reject(
          Object.assign(new Error("Cannot find package 'pino-pretty'"), { code: 'ERR_MODULE_NOT_FOUND' }),
        ),
      );
    } finally {
      process.stderr.write = write;
    }
    assert.equal(destination, undefined, "pino's default destination: JSON on stdout");
    assert.equal(written.length, 1, 'one line');
    assert.match(
      written[0],
      /^deadbolt: LOG_FORMAT=pretty but pino-pretty is not installed .*logging JSON\n$/,
    );
    assert.equal(await openLogDestination('json'), undefined, 'LOG_FORMAT=json: JSON on stdout');
  });
});
