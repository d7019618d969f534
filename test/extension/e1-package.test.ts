// E1: Deadbolt is an npm package with a public API, shipped as JavaScript and type declarations.
// The test packs it, installs the tarball into a directory outside the repository and uses it the
// way a consumer does: plain Node 24 (nothing strips types under node_modules) and tsc.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installInto, packDeadbolt, plainNode, REPO, run } from '../support/package.ts';
import { REDIS_URL } from '../support/server.ts';

/** The public names (src/index.ts); a change here is a change of the public API (CHANGELOG). */
const PUBLIC_VALUES = [
  'ACR_FEDERATED',
  'ACR_MFA',
  'ACR_PASSWORD',
  'ACR_PHR',
  'ConfigError',
  'DeadboltConfigurationError',
  'DeadboltUsersError',
  'StoreUnavailableError',
  'createDeadbolt',
  'defaultMfaPolicy',
];
/** Exported for the reference server's composition only (E4), @internal: not in the reference docs. */
const INTERNAL_VALUES = ['deadboltOnServices'];

/** The `deadbolt/redis-adapter` subpath's names. */
const REDIS_ADAPTER_VALUES = ['createRedisAdapter'];

const CONSUMER = `
import { createDeadbolt, defaultMfaPolicy, type AccountsPort, type Deadbolt, type MfaPolicy, type UserMethod } from 'deadbolt';
import { createRedisAdapter, type RedisAdapter } from 'deadbolt/redis-adapter';
import type { Configuration } from 'oidc-provider';

const adapter: RedisAdapter = createRedisAdapter({ url: 'redis://localhost:6379', keyPrefix: 'x:' });
export const withAdapter = (c: Configuration): Configuration => ({ ...c, adapter });
// @ts-expect-error keyPrefix is a string
void createRedisAdapter({ url: 'redis://localhost:6379', keyPrefix: 1 });

const accounts: AccountsPort = {
  async findAccount(accountId) {
    return { accountId, email: 'a@example.test', organizations: [{ id: 'acme', plan: 'paid' }] };
  },
};
const policy: MfaPolicy = (context) => defaultMfaPolicy(context);
export async function mountIt(host: Configuration): Promise<Configuration> {
  const deadbolt: Deadbolt = await createDeadbolt({ issuer: 'https://id.example', accounts, policy });
  return deadbolt.configure(host);
}
export async function supportReset(deadbolt: Deadbolt): Promise<number | undefined> {
  const methods: UserMethod[] | undefined = await deadbolt.users.methods('u-1');
  const done = await deadbolt.users.reset('u-1', { actor: 'jo', reason: 'lost phone', identityVerified: true });
  // @ts-expect-error a reset needs a reason
  void deadbolt.users.reset('u-1', { actor: 'jo', identityVerified: true });
  return (methods?.length ?? 0) + (done?.factorsRemoved ?? 0);
}
// @ts-expect-error the issuer is a string
void createDeadbolt({ issuer: 42 });
// @ts-expect-error a plan is 'free' or 'paid'
const wrong: AccountsPort = { findAccount: async (id) => ({ accountId: id, email: '', organizations: [{ id: 'x', plan: 'gold' }] }) };
void wrong;
`;

describe('E1: the packed package installs and imports on plain Node 24, with types', function () {
  this.timeout(180_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-consumer-'));
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    await installInto(dir, [await packDeadbolt()]);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('E1: the tarball ships dist/ JavaScript and .d.ts, the views and static files, no TypeScript sources', async () => {
    const { stdout } = await run('tar', ['-tzf', await packDeadbolt()]);
    const files = stdout.split('\n');
    for (const f of [
      'package/dist/index.js',
      'package/dist/index.d.ts',
      'package/dist/redis-adapter.js',
      'package/dist/redis-adapter.d.ts',
      'package/views/layout.ejs',
      'package/static/style.css',
      'package/dist/i18n/ja.json',
    ]) {
      assert.ok(files.includes(f), `${f} in the tarball`);
    }
    assert.ok(
      !files.some((f) => f.startsWith('package/src/') || f.startsWith('package/test/')),
      'no sources or tests',
    );
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8'));
    assert.match(pkg.version, /^\d+\.\d+\.\d+(-[\w.]+)?$/, 'a semver version');
    assert.ok(
      (await readFile(join(REPO, 'CHANGELOG.md'), 'utf8')).includes(`## ${pkg.version}`),
      'CHANGELOG names it',
    );
  });

  it('E1: plain Node 24 imports the public names (no loader, no type stripping)', async () => {
    const { stdout } = await plainNode(dir, [
      '--input-type=module',
      '-e',
      "const d = await import('deadbolt'); console.log(JSON.stringify(Object.keys(d).sort()));",
    ]);
    assert.deepEqual(JSON.parse(stdout), [...PUBLIC_VALUES, ...INTERNAL_VALUES].sort());
    // Only the root entry (and deadbolt/redis-adapter) is public: internals are not importable.
    await assert.rejects(
      plainNode(dir, ['--input-type=module', '-e', "await import('deadbolt/dist/server.js')"]),
      /ERR_PACKAGE_PATH_NOT_EXPORTED/,
    );
  });

  it('E1, O2: plain Node imports deadbolt/redis-adapter, and its adapter keeps a provider model in Redis', async () => {
    const keyPrefix = `deadbolt-test:${randomBytes(6).toString('hex')}:`;
    const script = `
      const subpath = await import('deadbolt/redis-adapter');
      console.log(JSON.stringify(Object.keys(subpath).sort()));
      const Adapter = subpath.createRedisAdapter({ url: ${JSON.stringify(REDIS_URL)}, keyPrefix: ${JSON.stringify(keyPrefix)} });
      const sessions = new Adapter('Session');
      await sessions.upsert('s1', { uid: 'u1', accountId: 'a1' }, 60);
      console.log(JSON.stringify([(await sessions.findByUid('u1'))?.accountId]));
      await sessions.destroy('s1');
      console.log(JSON.stringify([await sessions.find('s1') ?? null]));
      await Adapter.close();`;
    const { stdout } = await plainNode(dir, ['--input-type=module', '-e', script]);
    assert.deepEqual(
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
      [REDIS_ADAPTER_VALUES, ['a1'], [null]],
    );
  });

  it('E1: createDeadbolt runs from the installed package (embedded stores) and refuses devInteractions', async () => {
    const script = `
      import { createDeadbolt, DeadboltConfigurationError } from 'deadbolt';
      const d = await createDeadbolt({ issuer: 'http://localhost:1', stores: { dataDir: ':memory:' }, settings: { LOG_LEVEL: 'silent' },
        accounts: { findAccount: async () => undefined } });
      try { d.configure({}); } catch (e) { console.log(e instanceof DeadboltConfigurationError, e.message); }
      await d.close();`;
    const { stdout } = await plainNode(dir, ['--input-type=module', '-e', script]);
    assert.match(stdout, /^true .*devInteractions/);
  });

  it('E1: a TypeScript consumer type-checks against the shipped declarations', async () => {
    await writeFile(join(dir, 'consumer.ts'), CONSUMER);
    const tsconfig = {
      compilerOptions: {
        strict: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2024',
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      files: ['consumer.ts'],
    };
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', dir]).catch((err: { stdout: string }) => err);
    assert.equal('code' in result ? result.stdout : '', '', 'tsc reports no error');
  });
});
