// The operator CLI (`node bin/deadbolt.js …`, JSON out) manages organizations, users, memberships
// and clients in the same stores the server reads: a user and a client made with the CLI sign in.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { generateJwks } from '../../src/config/dev-secrets.ts';
import type { SystemOfRecord } from '../../src/store/ports.ts';
import { createPostgresStore } from '../../src/store/sor/index.ts';
import { Browser, textOf } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { open, RelyingParty, signInWithPassword, submitPassword } from '../support/rp.ts';
import { RP_REDIRECT, startTestServer } from '../support/server.ts';

const ROOT = new URL('../../', import.meta.url);
const PASSWORD = 'cli-made password 123';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  json: unknown;
}

// What the CLI prints (the fields these tests read).
interface Org {
  id: string;
  name: string;
  plan: string;
  requireMfaForAllUsers: boolean;
}
interface CreatedUser {
  id: string;
  email: string;
  memberships: { orgId: string; role: string }[];
}
interface Client {
  client_id: string;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  has_secret?: boolean;
}
interface Member {
  role: string;
  user: { id: string; email: string };
}

describe('Operator CLI: organizations, users, memberships, clients', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let dir: string;
  /** The same database, read directly, to check what the CLI wrote. */
  let sor: SystemOfRecord;

  before(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-cli-'));
    // A signing key made once, so each CLI run does not generate its own in DATA_DIR.
    await writeFile(join(dir, 'jwks.json'), JSON.stringify(await generateJwks()));
    sor = createPostgresStore(db.url);
  });
  after(async () => {
    await sor?.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function cli(args: string[], stdin?: string): Promise<Result> {
    const env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      DATA_DIR: dir,
      CLIENTS_FILE: join(dir, 'clients.json'),
      JWKS_FILE: join(dir, 'jwks.json'),
    };
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        ['bin/deadbolt.js', ...args],
        { cwd: ROOT, env },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          let json: unknown;
          try {
            json = JSON.parse(stdout);
          } catch {
            json = undefined;
          }
          resolve({ code, stdout, stderr, json });
        },
      );
      child.stdin?.end(stdin ?? '');
    });
  }

  function ok<T>(r: Result): T {
    assert.equal(r.code, 0, `exit 0, got ${r.code}: ${r.stderr}`);
    assert.ok(r.json !== undefined, `JSON on stdout: ${r.stdout}`);
    return r.json as T;
  }

  let orgId: string;
  let ownerId: string;

  it('org create / set / list, user create (--password-stdin), client add / list print JSON', async () => {
    const [org, client] = await Promise.all([
      cli(['org', 'create', '--name', 'Acme', '--plan', 'paid']),
      cli([
        'client',
        'add',
        '--id',
        'cli-app',
        '--name',
        'CLI app',
        '--redirect-uri',
        RP_REDIRECT,
        '--public',
        '--first-party',
      ]),
    ]);
    const created = ok<Org>(org);
    assert.equal(created.name, 'Acme');
    assert.equal(created.plan, 'paid');
    assert.equal(created.requireMfaForAllUsers, false);
    orgId = created.id;
    const addedClient = ok<Client>(client);
    assert.equal(addedClient.client_id, 'cli-app');
    assert.deepEqual(addedClient.redirect_uris, [RP_REDIRECT]);
    assert.equal(addedClient.token_endpoint_auth_method, 'none');

    const [set, owner, plain] = await Promise.all([
      cli(['org', 'set', '--id', orgId, '--plan', 'free', '--require-mfa', 'on']),
      cli(
        [
          'user',
          'create',
          '--email',
          'Owner@Example.test',
          '--password-stdin',
          '--org',
          orgId,
          '--role',
          'owner',
        ],
        `${PASSWORD}\n`,
      ),
      cli(['user', 'create', '--email', 'plain@example.test', '--password-stdin'], PASSWORD),
    ]);
    assert.deepEqual(
      { plan: ok<Org>(set).plan, requireMfaForAllUsers: ok<Org>(set).requireMfaForAllUsers },
      { plan: 'free', requireMfaForAllUsers: true },
    );
    const o = ok<CreatedUser>(owner);
    ownerId = o.id;
    assert.equal(o.email, 'Owner@Example.test');
    assert.deepEqual(o.memberships, [{ orgId, role: 'owner' }]);
    assert.ok(!JSON.stringify(o).includes(PASSWORD) && !('passwordHash' in o), 'no password or hash printed');
    assert.deepEqual(ok<CreatedUser>(plain).memberships, []);

    const [orgs, clients] = await Promise.all([cli(['org', 'list']), cli(['client', 'list'])]);
    assert.deepEqual(
      ok<Org[]>(orgs).map((x) => [x.id, x.plan]),
      [[orgId, 'free']],
    );
    const listed = ok<Client[]>(clients);
    assert.deepEqual(
      listed.map((c) => [c.client_id, c.has_secret]),
      [
        ['deadbolt-account', false], // built in (A2: listed, never removable)
        ['cli-app', false],
      ],
    );
  });

  it('member add / list / remove', async () => {
    const added = ok<{ orgId: string; role: string }>(
      await cli(['member', 'add', '--user', 'PLAIN@example.test', '--org', orgId, '--role', 'admin']),
    );
    assert.equal(added.orgId, orgId);
    assert.equal(added.role, 'admin');
    const members = ok<Member[]>(await cli(['member', 'list', '--org', orgId]));
    assert.deepEqual(members.map((m) => [m.user.email, m.role]).sort(), [
      ['Owner@Example.test', 'owner'],
      ['plain@example.test', 'admin'],
    ]);
    assert.deepEqual(
      ok<{ removed: boolean }>(
        await cli(['member', 'remove', '--user', 'plain@example.test', '--org', orgId]),
      ),
      {
        removed: true,
      },
    );
    assert.deepEqual(
      (await sor.listMembersOfOrg(orgId)).map((m) => m.user.id),
      [ownerId],
    );
  });

  it('a duplicate e-mail exits non-zero with a clear message; bad flags exit 2', async () => {
    const [dup, unknownFlag, badPlan, missing, unknownCommand, dupClient] = await Promise.all([
      cli(['user', 'create', '--email', 'owner@EXAMPLE.test', '--password-stdin'], PASSWORD),
      cli(['org', 'create', '--name', 'X', '--colour', 'blue']),
      cli(['org', 'create', '--name', 'X', '--plan', 'gold']),
      cli(['org', 'create']),
      cli(['frobnicate']),
      cli(['client', 'add', '--id', 'cli-app', '--redirect-uri', RP_REDIRECT]),
    ]);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /already registered/);
    assert.equal(dup.stdout, '');
    for (const [r, message] of [
      [unknownFlag, /--colour/],
      [badPlan, /--plan must be one of free, paid/],
      [missing, /--name is required/],
      [unknownCommand, /usage: deadbolt/],
      [dupClient, /already exists/],
    ] as const) {
      assert.equal(r.code, 2, `exit 2 for ${message}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    // Nothing was written by the refused commands.
    assert.equal((await sor.listUsers()).length, 2);
    assert.equal((await sor.listOrgs()).length, 1);
  });

  it('a server on the same database and clients file signs in the CLI-made user with the CLI-made client', async () => {
    const server = await startTestServer('real', {
      env: { DATABASE_URL: db.url, CLIENTS_FILE: join(dir, 'clients.json') },
    });
    try {
      const rp = await RelyingParty.discover(server.issuer, 'cli-app');
      // plain@ was removed from the MFA-requiring organization, so a password is enough.
      const { tokens } = await signInWithPassword(new Browser(), rp, 'plain@example.test', PASSWORD);
      const claims = tokens.claims()!;
      assert.deepEqual(claims.amr, ['pwd']);
      const info = await client.fetchUserInfo(rp.config, tokens.access_token, claims.sub);
      assert.equal(info.email, 'plain@example.test');
      // The owner's organization was switched to "require MFA for all users" by the CLI (P1).
      const browser = new Browser();
      const next = await submitPassword(
        browser,
        await open(browser, await rp.authorize()),
        'owner@example.test',
        PASSWORD,
      );
      assert.equal(next.status, 200, 'no code without the MFA step');
      assert.match(textOf(next.text), /requires two-step verification/);
    } finally {
      await server.stop();
    }
  });
});
