// E6: the public API is documented — README's section names every option and every member of the
// accounts port, its count of exported names is true, and the generated reference (docs/api/,
// `npm run docs`) covers every public name and none of the internal ones.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO } from '../support/package.ts';

const INTERNAL = ['deadboltOnServices', 'DeadboltCore'];

async function publicNames(): Promise<{ values: string[]; types: string[] }> {
  const source = await readFile(join(REPO, 'src/index.ts'), 'utf8');
  const values: string[] = [];
  const types: string[] = [];
  for (const m of source.matchAll(/^export (type )?\{([^}]*)\}/gm)) {
    const names = m[2]
      .split(',')
      .map((n) => n.trim().split(' as ').pop() ?? '')
      .filter((n) => n && !INTERNAL.includes(n));
    (m[1] ? types : values).push(...names);
  }
  return { values, types };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('E6: the public API is documented', () => {
  it("E6: README's section documents every option, the port's members and the true count of names", async () => {
    const readme = await readFile(join(REPO, 'README.md'), 'utf8');
    const start = readme.indexOf('## Use Deadbolt in your own provider');
    assert.ok(start > 0, 'the section exists');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 10));
    const options = [
      'issuer',
      'accounts',
      'stores.databaseUrl',
      'stores.dataDir',
      'stores.redisUrl',
      'stores.redisKeyPrefix',
      'stores.redis',
      'policy',
      'sms',
      'pages.brand',
      'pages.strings',
      'settings',
      'logger',
      'clock',
    ];
    for (const o of options) assert.ok(section.includes(`| \`${o}\` |`), `option ${o} in the table`);
    for (const m of [
      'findAccount(accountId)',
      'verifyPassword?(accountId, password)',
      'HostAccount',
      'HostOrganization',
    ])
      assert.ok(section.includes(`\`${m}\``), `port member ${m}`);
    for (const f of ['configure(', 'routes(', 'handler(', 'decide(', 'close()'])
      assert.ok(section.includes(`**\`${f}`), f);
    const { values, types } = await publicNames();
    assert.ok(
      section.includes(
        `${values.length + types.length} names (${values.length} values, ${types.length} types`,
      ),
      `README counts ${values.length} values and ${types.length} types`,
    );
  });

  it('E6: the generated reference (docs/api) covers every public name and no internal one', async () => {
    const files = await filesUnder(join(REPO, 'docs/api'));
    const text = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n');
    const { values, types } = await publicNames();
    for (const name of [...values, ...types]) assert.ok(text.includes(name), `${name} documented`);
    for (const name of INTERNAL) assert.ok(!files.some((f) => f.includes(name)), `${name} left out`);
    assert.match(text, /The host's user directory \(E2\)/, 'from the doc comments');
  });
});
