#!/usr/bin/env node
// Operator CLI entry point. Node 24+ runs the TypeScript sources directly; an older Node hands over
// to scripts/node24.cjs, which provides Node 24.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (Number(process.versions.node.split('.')[0]) >= 24) {
  await import('../src/cli/main.ts');
} else {
  const script = (path) => fileURLToPath(new URL(path, import.meta.url));
  const child = spawn(
    process.execPath,
    [script('../scripts/node24.cjs'), script('../src/cli/main.ts'), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  child.on('exit', (code) => process.exit(code ?? 1));
}
