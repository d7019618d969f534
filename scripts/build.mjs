// E1: builds the package — `dist/` (JavaScript + .d.ts) from src/ with the TypeScript compiler
// (tsconfig.build.json rewrites the `.ts` import specifiers), plus the JSON catalogs the code reads
// at run time. Views and static files stay at the package root (found relative to the code).
// Plain JavaScript, so it runs on any Node (npm's `prepack` runs it before `npm pack`).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
// Only the public API and what it reaches are documented, but every module is built: the entry
// points import most of them.
// The shared catalogs and each factor's (src/mfa/<folder>/i18n/).
const factorCatalogs = readdirSync(join(root, 'src', 'mfa'), { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(root, 'src', 'mfa', e.name, 'i18n')))
  .map((e) => join('mfa', e.name, 'i18n'));
for (const dir of ['i18n', ...factorCatalogs]) {
  mkdirSync(join(root, 'dist', dir), { recursive: true });
  for (const file of readdirSync(join(root, 'src', dir)).filter((f) => f.endsWith('.json'))) {
    copyFileSync(join(root, 'src', dir, file), join(root, 'dist', dir, file));
  }
}
