// F1: `deadbolt sso set | show | remove` (JSON out). The secret goes in on stdin only, is sealed at
// rest and never printed; a connection whose discovery fails is reported broken with the reason; a
// connection made with the CLI signs people in on a server sharing the database.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateJwks } from '../../src/config/dev-secrets.ts';
import type { SystemOfRecord } from '../../src/store/ports.ts';
import { createPostgresStore } from '../../src/store/sor/index.ts';
import { Browser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { open, RelyingParty } from '../support/rp.ts';
import { freePort, startTestServer, type TestServer } from '../support/server.ts';
import { emailStep } from './support.ts';
import { startUpstream, type Upstream } from './upstream.ts';

const ROOT = new URL('../../', import.meta.url);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> | undefined;
}

interface Shown {
  org: { id: string; name: string };
  sso: {
    connected: boolean;
    issuer: string;
    domains: string[];
    enforced: boolean;
    clientSecret: string;
    redirectUri: string;
    status: 'ok' | 'broken';
    reason: string | null;
  };
  linksRemoved?: number;
}

describe('Operator CLI: SSO connections (F1)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let dir: string;
  let sor: SystemOfRecord;
  let upstream: Upstream;
  let server: TestServer | undefined;
  let env: Record<string, string>;
  /** Deadbolt's client secret at the upstream, as an operator would paste it. */
  let secret: string;

  before(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-sso-cli-'));
    await writeFile(join(dir, 'jwks.json'), JSON.stringify(await generateJwks()));
    sor = createPostgresStore(db.url);
    await sor.migrate();
    const port = await freePort();
    env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      PORT: String(port),
      ISSUER: `http://localhost:${port}`,
      DATABASE_URL: db.url,
      DATA_DIR: dir,
      JWKS_FILE: join(dir, 'jwks.json'),
      FACTOR_ENCRYPTION_KEYS: `cli:${randomBytes(32).toString('base64url')}`,
    };
    upstream = await startUpstream({ redirectUri: `${env.ISSUER}/sso/callback` });
    secret = upstream.clientSecret;
  });
  after(async () => {
    await server?.stop();
    await upstream?.stop();
    await sor?.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function cli(args: string[], stdin = ''): Promise<Result> {
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        ['bin/deadbolt.js', ...args],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } },
        (err, stdout, stderr) => {
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(stdout);
          } catch {
            json = undefined;
          }
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, json });
        },
      );
      child.stdin?.end(stdin);
    });
  }

  function ok(r: Result): Shown {
    assert.equal(r.code, 0, `exit 0, got ${r.code}: ${r.stderr}`);
    assert.ok(r.json, `JSON on stdout: ${r.stdout}`);
    assert.ok(!r.stdout.includes(secret), 'the secret is never printed');
    return r.json as unknown as Shown;
  }

  it('F1: sso set (secret on stdin) / show / remove; a broken connection is reported with its reason; the connection signs people in', async () => {
    const org = await sor.createOrg({ name: 'Cli SSO', plan: 'paid' });
    const deadOrg = await sor.createOrg({ name: 'Cli dead', plan: 'free' });
    const userId = (await sor.createUser({ email: 'ann@cli.test', passwordHash: 'x' })).id;
    await sor.setMembership(userId, org.id, 'member');

    const base = ['--client-id', upstream.clientId, '--domains', 'CLI.test', '--enforced'];
    const [set, missing, dead] = await Promise.all([
      cli(
        ['sso', 'set', '--org', org.id, '--issuer', upstream.issuer, '--client-secret-stdin', ...base],
        `${secret}\n`,
      ),
      cli(['sso', 'set', '--org', org.id, '--domains', 'x.test']),
      cli([
        'sso',
        'set',
        '--org',
        deadOrg.id,
        '--issuer',
        `http://127.0.0.1:${await freePort()}`,
        '--client-id',
        'deadbolt',
        '--domains',
        'dead.test',
        '--public-client',
      ]),
    ]);
    const shown = ok(set);
    assert.equal(shown.sso.status, 'ok', String(shown.sso.reason));
    assert.deepEqual(shown.sso.domains, ['cli.test']);
    assert.equal(shown.sso.enforced, true);
    assert.equal(shown.sso.clientSecret, 'set (sealed)');
    assert.equal(shown.sso.redirectUri, `${env.ISSUER}/sso/callback`);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--issuer is required/);
    const broken = ok(dead);
    assert.equal(broken.sso.status, 'broken');
    assert.match(String(broken.sso.reason), /ECONNREFUSED|fetch failed/);
    assert.equal(broken.sso.clientSecret, 'none (public client)');

    const stored = await sor.findOrgById(org.id);
    assert.ok(stored?.sso?.clientSecretEnc && !JSON.stringify(stored).includes(secret), 'sealed at rest');

    const [taken, show] = await Promise.all([
      cli([
        'sso',
        'set',
        '--org',
        deadOrg.id,
        '--issuer',
        upstream.issuer,
        '--client-id',
        'x',
        '--domains',
        'cli.test',
      ]),
      cli(['sso', 'show', '--org', deadOrg.id]),
    ]);
    assert.equal(taken.code, 2);
    assert.match(taken.stderr, /domain cli\.test is already covered by organization/);
    assert.equal(ok(show).sso.status, 'broken');

    // A server on the same database signs Ann in through the connection the CLI made.
    server = await startTestServer('real', { env });
    const rp = await RelyingParty.discover(server.issuer);
    upstream.next = { sub: 'ann', email: 'ann@cli.test', email_verified: true };
    const browser = new Browser();
    const auth = await rp.authorize();
    const done = await emailStep(browser, await open(browser, auth), 'ann@cli.test');
    assert.equal(done.status, 0);
    assert.deepEqual((await rp.callback(done.url, auth)).claims()?.amr, ['fed']);

    const removed = await cli(['sso', 'remove', '--org', org.id]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(removed.json, { org: { id: org.id, name: 'Cli SSO' }, removed: true, linksRemoved: 1 });
    const after = await sor.findOrgById(org.id);
    assert.equal(after?.sso, null);
    assert.equal(after?.ssoEnforced, false);
    const actions = (await sor.listAudit({ orgId: org.id })).map((e) => e.action);
    assert.ok(
      actions.includes('sso.configured') && actions.includes('sso.removed') && actions.includes('sso.linked'),
    );
  });
});
