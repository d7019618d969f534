#!/usr/bin/env node
// Operator CLI entry point. In a checkout, Node 24+ runs the TypeScript sources directly and an
// older Node hands over to scripts/node24.cjs, which provides Node 24. From the installed package
// (E1: no sources, no type stripping under node_modules) it runs the built dist/ instead.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const script = (path) => fileURLToPath(new URL(path, import.meta.url));
const fromSources = existsSync(script('../src/cli/main.ts'));

if (!fromSources) {
  await import('../dist/cli/main.js');
} else if (Number(process.versions.node.split('.')[0]) >= 24) {
  await import('../src/cli/main.ts');
} else {
  const child = spawn(
    process.execPath,
    [script('../scripts/node24.cjs'), script('../src/cli/main.ts'), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  child.on('exit', (code) => process.exit(code ?? 1));
}
