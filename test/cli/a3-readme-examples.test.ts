// A3: every CLI example in the README runs as written (a fenced `sh` line starting with
// `npx deadbolt`, or `echo … | npx deadbolt`), against a test database; and every command group
// has `--help` naming its flags.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair } from 'jose';
import { generateJwks } from '../../src/config/dev-secrets.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The README's CLI examples, continuation lines joined, in order. Blocks fenced ```sh server are
 * API-mode examples (`--url`) that need a running server: not run here (test/cli/a3-api-mode.test.ts).
 */
async function readmeCliExamples(): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const lines = blocks.flatMap((b) => b.replace(/\\\n\s*/g, ' ').split('\n'));
  return lines
    .map((l) => l.trim())
    .filter((l) => /^(npx deadbolt |deadbolt |echo [^|]+\| *npx deadbolt )/.test(l));
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('A3: the README CLI examples and --help', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-readme-'));
    await writeFile(join(dir, 'jwks.json'), JSON.stringify(await generateJwks()));
    // The file the private_key_jwt example names, in the directory the examples run in.
    const { publicKey } = await generateKeyPair('ES256');
    await writeFile(
      join(dir, 'app-public-jwks.json'),
      JSON.stringify({ keys: [await exportJWK(publicKey)] }),
    );
    // The file the import examples name (A4).
    await writeFile(
      join(dir, 'users.csv'),
      'email,password_hash,org,role\nimported@acme.test,$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW,Imported Inc,owner\n',
    );
    env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      DATA_DIR: dir,
      CLIENTS_FILE: join(dir, 'clients.json'),
      JWKS_FILE: join(dir, 'jwks.json'),
      SECRET: 'readme-upstream-secret-0123456789abcdef',
    };
  });
  after(async () => {
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function sh(line: string, org = ''): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        '/bin/sh',
        ['-c', line],
        { cwd: dir, env: { ...env, ORG: org }, timeout: 60_000 },
        (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        },
      );
    });
  }

  it('A3: every `npx deadbolt` example in the README runs and exits 0', async () => {
    const examples = await readmeCliExamples();
    assert.ok(examples.length >= 20, `found ${examples.length} examples`);
    assert.ok(examples.some((e) => e.includes('--operator "jo (support)"')));
    assert.ok(!examples.some((e) => e.includes('--url')), 'API-mode examples are in ```sh server blocks');
    let org = '';
    for (const example of examples) {
      const line = example
        .replace(/\s+#.*$/, '') // a trailing comment
        .replace(/\[([^\]]*)\]/g, '$1') // optional flags: given
        .replace(/npx deadbolt /g, `node ${join(ROOT, 'bin/deadbolt.js')} `)
        .replace(/(?<!\$)\bORG\b/g, org) // "$ORG" (a demo example) comes from the environment
        .replace(/\bEMAIL\b/g, 'ann@acme.test');
      const r = await sh(line, org);
      assert.equal(r.code, 0, `${example}\n→ exit ${r.code}: ${r.stderr}`);
      if (!org && example.includes('org create')) org = (JSON.parse(r.stdout) as { id: string }).id;
    }
    assert.ok(org, 'the first example made the organization the others use');
  });

  it('A3: every command group has --help listing its flags', async () => {
    const groups: Record<string, string[]> = {
      org: ['--name', '--plan', '--require-mfa', '--id'],
      user: ['--email', '--password-stdin', '--org', '--role', 'import', '--dry-run', '--create-orgs'],
      member: ['--user', '--org', '--role'],
      client: [
        '--id',
        '--redirect-uri',
        '--public',
        '--auth-method',
        '--jwks-file',
        '--introspection-allowed',
      ],
      sso: ['--issuer', '--client-id', '--client-secret-stdin', '--domains', '--enforced', '--jit'],
      mfa: ['--user', '--operator', '--reason', '--identity-verified'],
      audit: ['--org', '--user', '--limit'],
      keys: ['generate', 'rotate', '--kid'],
      doctor: ['doctor'],
    };
    const bin = join(ROOT, 'bin/deadbolt.js');
    const runs = await Promise.all(
      Object.keys(groups).map((g) => sh(`node ${bin} ${g} --help && node ${bin} help ${g}`)),
    );
    Object.entries(groups).forEach(([group, words], i) => {
      const r = runs[i] as Run;
      assert.equal(r.code, 0, `${group} --help: ${r.stderr}`);
      for (const w of words) assert.ok(r.stdout.includes(w), `${group} --help names ${w}:\n${r.stdout}`);
    });
    const top = await sh(`node ${bin} --help`);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /--help/);
  });
});
