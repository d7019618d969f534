// E6: the API reference (docs/api/, Markdown) from the doc comments of the public surface
// (src/index.ts). TypeDoc drives the TypeScript compiler API, which TypeScript 7 (our type
// checker) no longer offers, so it runs through npx with its own TypeScript 5.9, pinned here.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['typedoc@0.28.20', 'typedoc-plugin-markdown@4.14.1', 'typescript@5.9'];
execFileSync(
  'npx',
  ['--yes', ...packages.map((p) => `--package=${p}`), 'typedoc', '--options', 'typedoc.json'],
  { cwd: root, stdio: 'inherit' },
);
