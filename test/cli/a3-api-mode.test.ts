// A3: the CLI's API mode. With a server running on the embedded store (it holds the DATA_DIR lock),
// a local CLI write is refused with the exact `--url` command to use instead; that command goes
// through the server's admin API (client credentials from its token endpoint, openid-client) and
// its effects are seen by the server at once. R2/V3: `mfa reset --url` ends the user's sessions.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { Browser } from '../support/browser.ts';
import { RelyingParty, signInWithPassword } from '../support/rp.ts';
import { freePort, RP_CLIENTS } from '../support/server.ts';

const ROOT = new URL('../../', import.meta.url);
const PASSWORD = 'api-mode password 1234';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('A3: the CLI talks to a running server through its admin API (--url)', function () {
  this.timeout(120_000);
  let dir: string;
  let env: Record<string, string>;
  let server: ChildProcess | undefined;
  let exit: Promise<number>;
  let issuer: string;
  const secrets: Record<string, string> = {};
  const limitedOrg = '00000000-0000-4000-8000-00000000a3a3';

  function cli(args: string[], stdin = ''): Promise<Run> {
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        ['bin/deadbolt.js', ...args],
        { cwd: ROOT, env },
        (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        },
      );
      child.stdin?.end(stdin);
    });
  }
  /** The same command in API mode, as client `id`; its secret is the first line of stdin. */
  const api = (id: string, args: string[], more = '', secret = secrets[id]) =>
    cli(['--url', issuer, '--client-id', id, '--client-secret-stdin', ...args], `${secret}\n${more}`);
  const json = <T>(r: Run): T => {
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as T;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-a3-api-'));
    await writeFile(join(dir, 'clients.json'), JSON.stringify(RP_CLIENTS));
    const port = await freePort();
    issuer = `http://localhost:${port}`;
    env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DEMO: 'false',
      DATA_DIR: dir,
      CLIENTS_FILE: join(dir, 'clients.json'),
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER: issuer,
    };
    // The admin clients are registered once, with the server stopped (A2: in the store).
    for (const [id, scopes, extra] of [
      ['ops', 'admin:read admin:write admin:mfa-reset', []],
      ['ro', 'admin:read', []],
      ['limited', 'admin:read admin:write', ['--admin-org', limitedOrg]],
    ] as const) {
      const r = json<{ client_secret: string }>(
        await cli(['client', 'add', '--id', id, '--admin-scopes', scopes, ...extra]),
      );
      secrets[id] = r.client_secret;
    }
    server = spawn(process.execPath, ['scripts/node24.cjs', 'src/main.ts'], { cwd: ROOT, env });
    exit = new Promise((resolve) => server?.once('exit', (code) => resolve(code ?? 1)));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const seen = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('deadbolt listening')) resolve();
      };
      server?.stdout?.on('data', seen);
      server?.stderr?.on('data', seen);
      void exit.then(() => reject(new Error(`server exited: ${out}`)));
    });
  });
  after(async () => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  let orgId = '';
  let userId = '';
  let apiOrgs = '';

  it('A3: while the server holds DATA_DIR a local write is refused, naming the --url command; --url creates an org, a user and a membership the server sees at once', async () => {
    const local = await cli(['org', 'create', '--name', 'Acme Inc']);
    assert.equal(local.code, 1, local.stderr);
    assert.equal(local.stdout, '');
    assert.ok(
      local.stderr.includes(
        `deadbolt --url ${issuer} --client-id CLIENT_ID --client-secret-stdin org create --name 'Acme Inc'`,
      ),
      local.stderr,
    );
    const refused = await cli(['user', 'create', '--email', 'x@acme.test', '--password', PASSWORD]);
    assert.ok(!refused.stderr.includes(PASSWORD), 'the suggested command never repeats a password');
    assert.match(refused.stderr, /user create --email x@acme\.test --password-stdin/);

    orgId = json<{ id: string }>(await api('ops', ['org', 'create', '--name', 'Acme Inc'])).id;
    const user = json<{ id: string; email: string; memberships: unknown[] }>(
      await api('ops', ['user', 'create', '--email', 'ann@acme.test', '--password-stdin'], PASSWORD),
    );
    userId = user.id;
    assert.deepEqual(user.memberships, []);
    assert.deepEqual(
      json(await api('ops', ['member', 'add', '--user', 'ann@acme.test', '--org', orgId, '--role', 'admin'])),
      { userId, orgId, role: 'admin' },
    );
    const members = json<{ role: string; user: { id: string; email: string } }[]>(
      await api('ro', ['member', 'list', '--org', orgId]),
    );
    assert.deepEqual(
      members.map((m) => [m.role, m.user.id, m.user.email]),
      [['admin', userId, 'ann@acme.test']],
    );
    const orgs = await api('ro', ['org', 'list']);
    apiOrgs = orgs.stdout;
    assert.deepEqual(
      json<{ id: string }[]>(orgs).map((o) => o.id),
      [orgId],
    );
    // The running server signs the new user in (openid-client, authorization code + PKCE).
    const rp = await RelyingParty.discover(issuer);
    const { tokens } = await signInWithPassword(new Browser(), rp, 'ann@acme.test', PASSWORD);
    assert.equal(tokens.claims()?.sub, userId);
  });

  it('A3, F1: `sso set|show|remove --url` manage the SSO connection through the API; its client secret is never printed', async () => {
    const upstreamSecret = 'upstream-client-secret-0123456789';
    const set = await api(
      'ops',
      ['sso', 'set', '--org', orgId, '--issuer', 'https://idp.acme.test', '--client-id', 'deadbolt'].concat([
        '--domains',
        'acme.test,acme.example',
        '--client-secret-stdin',
      ]),
      upstreamSecret,
    );
    assert.equal(set.code, 0, set.stderr);
    assert.ok(!set.stdout.includes(upstreamSecret), 'the secret is not printed');
    const shown = json<{ sso: { issuer: string; domains: string[]; hasClientSecret: boolean } }>(
      await api('ro', ['sso', 'show', '--org', orgId]),
    );
    assert.equal(shown.sso.issuer, 'https://idp.acme.test');
    assert.deepEqual(shown.sso.domains, ['acme.test', 'acme.example']);
    assert.equal(shown.sso.hasClientSecret, true);
    const denied = await api('ro', ['sso', 'remove', '--org', orgId]);
    assert.equal(denied.code, 3, 'a read-only client cannot remove it');
    const removed = await api('ops', ['sso', 'remove', '--org', orgId]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await api('ro', ['sso', 'show', '--org', orgId])).code, 2, 'gone: 404');
  });

  it("A3, R2, V3: `mfa reset --url` ends the user's sessions: a refresh token that worked dies", async () => {
    const rp = await RelyingParty.discover(issuer);
    const { tokens } = await signInWithPassword(new Browser(), rp, 'ann@acme.test', PASSWORD);
    const live = await client.refreshTokenGrant(rp.config, tokens.refresh_token as string);
    const refresh = live.refresh_token ?? (tokens.refresh_token as string);
    const reset = json<{ userId: string; email: string; removedFactors: number }>(
      await api('ops', [
        'mfa',
        'reset',
        '--user',
        'ann@acme.test',
        '--operator',
        'jo (support)',
        '--reason',
        'ticket 4711: lost phone',
        '--identity-verified',
      ]),
    );
    assert.equal(reset.userId, userId);
    assert.equal(reset.email, 'ann@acme.test');
    await assert.rejects(client.refreshTokenGrant(rp.config, refresh), (err: { error?: string }) => {
      assert.equal(err.error, 'invalid_grant');
      return true;
    });
  });

  it('A3: `audit export --url` prints the events as JSON lines with the API client as actor', async () => {
    const r = await api('ro', ['audit', 'export', '--user', 'ann@acme.test']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { action: string; actorLabel: string; at: string; details: { reason?: string } },
      );
    const reset = lines.find((e) => e.action === 'mfa.reset');
    assert.equal(reset?.actorLabel, 'client:ops');
    assert.match(reset?.details.reason ?? '', /ticket 4711.*jo \(support\)/, 'the operator is recorded');
    assert.ok(lines.some((e) => e.action === 'admin.user.created' && e.actorLabel === 'client:ops'));
    const times = lines.map((e) => e.at);
    assert.deepEqual(times, [...times].sort(), 'oldest first, like the local export');
  });

  it('A3: a token without admin:write is refused with a clear 403 and exit 3; so is an organization-limited client; nothing changes', async () => {
    const ro = await api('ro', ['org', 'create', '--name', 'Nope']);
    assert.equal(ro.code, 3, ro.stderr);
    assert.equal(ro.stdout, '');
    assert.match(
      ro.stderr,
      /^deadbolt: 403 forbidden: client ro may not have the scope\(s\) admin:read admin:write/,
    );
    const limited = await api('limited', ['org', 'create', '--name', 'Nope']);
    assert.equal(limited.code, 3, limited.stderr);
    assert.match(limited.stderr, /403 Organization not allowed for this client: this client is limited/);
    for (const r of [ro, limited]) assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(json<unknown[]>(await api('ro', ['org', 'list'])).length, 1, 'no organization created');
    const missing = await api('ro', ['member', 'list', '--org', limitedOrg]);
    assert.equal(missing.code, 2, 'a 404 is exit 2');
    assert.match(missing.stderr, /404 Not found: organization .* not found/);
  });

  it('A3: a wrong client secret is a clear 401 (exit 3); a secret on the command line is refused', async () => {
    const wrong = await api('ops', ['org', 'list'], '', 'not-the-secret');
    assert.equal(wrong.code, 3, wrong.stderr);
    assert.equal(wrong.stdout, '');
    assert.match(wrong.stderr, /401 unauthorized: client ops was refused .*check the client id and secret/);
    const inline = await cli(['--url', issuer, '--client-id', 'ops', 'org', 'list', '--client-secret', 'x']);
    assert.equal(inline.code, 2);
    assert.match(inline.stderr, /never given on the command line: use --client-secret-stdin/);
  });

  it('A3: after the server stops, the local CLI prints the same JSON as --url did, and nothing was lost', async () => {
    server?.kill('SIGTERM');
    assert.equal(await exit, 0);
    const local = await cli(['org', 'list']);
    assert.equal(local.code, 0, local.stderr);
    assert.equal(local.stdout, apiOrgs);
    const users = json<{ email: string }[]>(await cli(['user', 'list']));
    assert.deepEqual(
      users.map((u) => u.email),
      ['ann@acme.test'],
    );
  });
});
