// A4: bulk import of users with their existing password hashes (argon2, bcrypt, scrypt, PBKDF2)
// and TOTP secrets: each signs in through the real sign-in page and is rehashed to our argon2id;
// the import is idempotent, --dry-run writes nothing, a bad row is reported with its line while
// the rest is imported, and a crash mid-file leaves every row whole (a re-run completes it).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Algorithm, hash as argon2Hash } from '@node-rs/argon2';
import { hashSync as bcryptHash } from '@node-rs/bcrypt';
import { sql } from 'kysely';
import { generateJwks } from '../../src/config/dev-secrets.ts';
import { ARGON2_HASH_PREFIX, verifyPassword } from '../../src/crypto/password.ts';
import { parseImportFile } from '../../src/import/rows.ts';
import { importRows } from '../../src/import/run.ts';
import { createPostgresStore, type KyselySystemOfRecord } from '../../src/store/sor/index.ts';
import { Browser } from '../support/browser.ts';
import { appCode, isMfaChallenge, submitCode } from '../support/mfa.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer } from '../support/server.ts';

const ROOT = new URL('../../', import.meta.url);
const PASSWORD = 'Imported pässword 1';
// Made with Python's hashlib (an independent implementation), in Django's and passlib's formats.
const DJANGO_PBKDF2 = 'pbkdf2_sha256$100000$K8Bq9sVxW2yZ$GNJakCIqm8jFmhQ4yegYxKRqKIRlnKGDE4AfPoJ7kf4=';
const PASSLIB_PBKDF2 =
  '$pbkdf2-sha256$29000$0fOitMXm9wgZKjtMXW5/gA$uKicOR.jGnedSSJMWjXGkDfIfvhJAtsOA5xtvaZyQls';
const PASSLIB_SCRYPT =
  '$scrypt$ln=14,r=8,p=1$0fOitMXm9wgZKjtMXW5/gA$xMS8NhH7WMo28FVEHEZRsUz/0/.HEGbbJGiijfJp//k';
/** crypt_blowfish's test vector: password "U*U". */
const BCRYPT_KAT = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

async function hashesOfEveryFormat(): Promise<Record<string, string>> {
  return {
    argon2id: await argon2Hash(PASSWORD, { algorithm: 2 as Algorithm, memoryCost: 4096, timeCost: 3 }),
    argon2i: await argon2Hash(PASSWORD, { algorithm: 1 as Algorithm, memoryCost: 4096, timeCost: 3 }),
    bcrypt2b: bcryptHash(PASSWORD, 6),
    bcrypt2y: bcryptHash(PASSWORD, 6).replace(/^\$2b\$/, '$2y$'),
    scrypt: PASSLIB_SCRYPT,
    djangopbkdf2: DJANGO_PBKDF2,
    passlibpbkdf2: PASSLIB_PBKDF2,
  };
}

describe('A4: bulk import with existing password hashes', function () {
  this.timeout(180_000);

  it('A4: the verifiers accept independent test vectors and refuse wrong passwords', async () => {
    assert.equal(await verifyPassword(BCRYPT_KAT, 'U*U'), true);
    assert.equal(await verifyPassword(BCRYPT_KAT.replace('$2a$', '$2y$'), 'U*U'), true);
    for (const h of [DJANGO_PBKDF2, PASSLIB_PBKDF2, PASSLIB_SCRYPT]) {
      assert.equal(await verifyPassword(h, PASSWORD), true, h);
      assert.equal(await verifyPassword(h, `${PASSWORD}x`), false, h);
    }
    assert.equal(await verifyPassword(BCRYPT_KAT, 'U*V'), false);
    assert.equal(await verifyPassword('$scrypt$ln=30,r=8,p=1$AAAA$AAAAAAAAAAAA', PASSWORD), false, 'bounded');
  });

  for (const mode of STORE_MODES) {
    it(`A4: every hash format signs in through the sign-in page and is rehashed to argon2id (${mode})`, async () => {
      const server = await startTestServer(mode);
      try {
        const hashes = await hashesOfEveryFormat();
        const lines = Object.entries(hashes).map(([f, h]) =>
          JSON.stringify({ email: `${f}@import.test`, password_hash: h }),
        );
        lines.push(
          JSON.stringify({
            email: 'app@import.test',
            password_hash: hashes.bcrypt2b,
            totp_secret: TOTP_SECRET.toLowerCase(),
          }),
        );
        const { sor, config } = server.services;
        const summary = await importRows(sor, parseImportFile('u.jsonl', lines.join('\n')), {
          factorKeys: config.factorKeys,
        });
        assert.deepEqual([summary.imported, summary.rejected], [8, 0]);

        const rp = await RelyingParty.discover(server.issuer);
        for (const format of Object.keys(hashes)) {
          const email = `${format}@import.test`;
          const browser = new Browser();
          const auth = await rp.authorize();
          const done = await submitPassword(browser, await open(browser, auth), email, PASSWORD);
          assert.equal(done.status, 0, `${format}: signed in`);
          const tokens = await rp.callback(done.url, auth);
          const user = await sor.findUserByEmail(email);
          assert.equal(tokens.claims()?.sub, user?.id);
          assert.ok(
            user?.passwordHash.startsWith(ARGON2_HASH_PREFIX),
            `${format} rehashed: ${user?.passwordHash.slice(0, 20)}`,
          );
          const wrong = new Browser();
          const refused = await submitPassword(
            wrong,
            await open(wrong, await rp.authorize()),
            email,
            'wrong password 1',
          );
          assert.notEqual(refused.status, 0, `${format}: a wrong password is refused after the rehash`);
        }
        // The carried-over authenticator app is asked for, and its codes work.
        const browser = new Browser();
        const auth = await rp.authorize();
        const challenge = await submitPassword(
          browser,
          await open(browser, auth),
          'app@import.test',
          PASSWORD,
        );
        assert.ok(isMfaChallenge(challenge), 'the imported app is asked for');
        const done = await submitCode(browser, challenge, await appCode(TOTP_SECRET));
        assert.equal(done.status, 0);
        assert.deepEqual((await rp.callback(done.url, auth)).claims()?.amr, ['pwd', 'otp', 'mfa']);
      } finally {
        await server.stop();
      }
    });
  }

  describe('the CLI (PostgreSQL)', () => {
    let db: TestDatabase;
    let dir: string;
    let sor: KyselySystemOfRecord;
    let env: Record<string, string>;

    before(async () => {
      db = await createTestDatabase();
      dir = await mkdtemp(join(tmpdir(), 'deadbolt-a4-'));
      await writeFile(join(dir, 'jwks.json'), JSON.stringify(await generateJwks()));
      sor = createPostgresStore(db.url) as KyselySystemOfRecord;
      await sor.migrate();
      env = {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: db.url,
        DATA_DIR: dir,
        JWKS_FILE: join(dir, 'jwks.json'),
      };
    });
    after(async () => {
      await sor?.close();
      await db?.drop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    function cli(args: string[]): Promise<{ code: number; stderr: string; json: Record<string, unknown> }> {
      return new Promise((resolve) => {
        execFile(
          process.execPath,
          ['bin/deadbolt.js', ...args],
          { cwd: ROOT, env, maxBuffer: 1 << 26 },
          (err, stdout, stderr) => {
            let json: Record<string, unknown> = {};
            try {
              json = JSON.parse(stdout) as Record<string, unknown>;
            } catch {}
            resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr, json });
          },
        );
      });
    }
    const count = async (table: 'users' | 'memberships' | 'factors' | 'organizations') =>
      Number(
        (
          await sor.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('A4: a malformed row is reported with its line and reason, the rest imported; a re-run is "unchanged"', async () => {
      const csv = [
        'email,password_hash,org,role,totp_secret',
        `ann@acme.test,${BCRYPT_KAT},Acme,owner,`,
        `bob@acme.test,${DJANGO_PBKDF2},Acme,member,${TOTP_SECRET}`,
        'not-an-email,$2b$04$abc,Acme,member,',
        `cy@acme.test,plaintext-password,Acme,member,`,
        `dee@acme.test,"${PASSLIB_SCRYPT}",,,`, // a hash with commas is quoted (RFC 4180)
        `eve@acme.test,${BCRYPT_KAT},Acme,king,`,
        `ANN@acme.test,${BCRYPT_KAT},Acme,member,`,
        `fay@acme.test,${PASSLIB_PBKDF2},Acme,member,not base32!`,
      ].join('\n');
      await writeFile(join(dir, 'users.csv'), csv);
      const first = await cli(['user', 'import', join(dir, 'users.csv'), '--create-orgs']);
      assert.equal(first.code, 1, 'rows were rejected');
      assert.equal(first.json.imported, 3, JSON.stringify(first.json.rejections));
      assert.equal(first.json.imported, 3);
      assert.deepEqual(
        (first.json.rejections as { line: number; reason: string }[]).map((r) => [
          r.line,
          r.reason.split(':')[0],
        ]),
        [
          [4, 'email'],
          [5, 'password_hash'],
          [7, 'role'],
          [8, 'email'],
          [9, 'totp_secret'],
        ],
      );
      assert.match(JSON.stringify(first.json.rejections), /already on line 2/);
      assert.deepEqual(first.json.orgsCreated, [{ id: (await sor.listOrgs())[0]?.id, name: 'Acme' }]);
      assert.deepEqual([await count('users'), await count('memberships'), await count('factors')], [3, 2, 1]);

      const again = await cli(['user', 'import', join(dir, 'users.csv'), '--create-orgs']);
      assert.deepEqual([again.json.imported, again.json.unchanged, again.json.orgsCreated], [0, 3, []]);
      assert.deepEqual(
        [await count('users'), await count('memberships'), await count('organizations')],
        [3, 2, 1],
      );
    });

    it('A4: --dry-run validates and reports but writes nothing', async () => {
      const rows = ['gus', 'hal', 'ann'].map((n) =>
        JSON.stringify({ email: `${n}@acme.test`, password_hash: BCRYPT_KAT, org: 'Beta' }),
      );
      await writeFile(join(dir, 'dry.jsonl'), `${rows.join('\n')}\n{oops\n`);
      const before = [await count('users'), await count('organizations')];
      const dry = await cli(['user', 'import', join(dir, 'dry.jsonl'), '--create-orgs', '--dry-run']);
      assert.equal(dry.json.dryRun, true);
      assert.deepEqual([dry.json.imported, dry.json.unchanged, dry.json.rejected], [2, 1, 1]);
      assert.deepEqual(dry.json.orgsCreated, [{ id: null, name: 'Beta' }]);
      assert.deepEqual([await count('users'), await count('organizations')], before);
    });

    it('A4: a row the database refuses mid-batch is rejected whole; the batch around it is imported', async () => {
      // A trigger makes the membership insert of one row fail inside its batch's transaction.
      await sql
        .raw(`create function refuse_row() returns trigger language plpgsql as $$ begin
          if (select email from users where id = new.user_id) = 'bad@crash.test' then
            raise exception 'simulated failure'; end if; return new; end $$;
          create trigger refuse_row before insert on memberships for each row execute function refuse_row()`)
        .execute(sor.db);
      const rows = ['a', 'b', 'bad', 'c', 'd'].map((n) =>
        JSON.stringify({ email: `${n}@crash.test`, password_hash: BCRYPT_KAT, org: 'Acme' }),
      );
      await writeFile(join(dir, 'crash.jsonl'), rows.join('\n'));
      const r = await cli(['user', 'import', join(dir, 'crash.jsonl'), '--batch-size', '10']);
      assert.equal(r.json.imported, 4);
      assert.deepEqual(
        (r.json.rejections as { line: number; reason: string }[]).map((x) => [
          x.line,
          /refused by the database/.test(x.reason),
        ]),
        [[3, true]],
      );
      assert.equal(await sor.findUserByEmail('bad@crash.test'), undefined, 'no user without its membership');
      await sql.raw('drop trigger refuse_row on memberships').execute(sor.db);
      const rerun = await cli(['user', 'import', join(dir, 'crash.jsonl')]);
      assert.deepEqual([rerun.code, rerun.json.imported, rerun.json.unchanged], [0, 1, 4]);
    });

    it('A4: a process killed mid-file leaves only whole rows; a re-run completes the file', async () => {
      const N = 20_000;
      const org = (await sor.listOrgs())[0]?.id ?? '';
      const lines = Array.from({ length: N }, (_, i) =>
        JSON.stringify({ email: `k${i}@kill.test`, password_hash: BCRYPT_KAT, org, role: 'member' }),
      );
      await writeFile(join(dir, 'kill.jsonl'), lines.join('\n'));
      const killedUsers = () =>
        sor.db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('email', 'like', '%@kill.test')
          .executeTakeFirstOrThrow();
      const child = spawn(
        process.execPath,
        ['bin/deadbolt.js', 'user', 'import', join(dir, 'kill.jsonl'), '--batch-size', '500'],
        { cwd: ROOT, env },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      while (Number((await killedUsers()).n) === 0) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGKILL');
      await exited;
      const users = Number((await killedUsers()).n);
      assert.ok(users > 0 && users < N, `killed mid-file (${users} of ${N})`);
      assert.equal(users % 500, 0, 'whole batches only');
      const whole = await sor.db
        .selectFrom('users as u')
        .leftJoin('memberships as m', 'm.user_id', 'u.id')
        .leftJoin('audit_events as a', (j) =>
          j.onRef('a.target_user_id', '=', 'u.id').on('a.action', '=', 'user.imported'),
        )
        .select((eb) => [
          eb.fn.countAll().as('n'),
          eb.fn.count('m.org_id').as('m'),
          eb.fn.count('a.id').as('a'),
        ])
        .where('u.email', 'like', '%@kill.test')
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        [Number(whole.m), Number(whole.a)],
        [users, users],
        'every user has its membership and audit event',
      );
      const rerun = await cli(['user', 'import', join(dir, 'kill.jsonl')]);
      assert.deepEqual([rerun.code, rerun.json.imported, rerun.json.unchanged], [0, N - users, users]);
    });
  });
});
