// E1, E5: the packed package, as a consumer gets it. `packDeadbolt()` runs `npm pack` (its prepack
// builds dist/) once per test process; `installInto()` installs that tarball (and other packages
// from the registry) into a directory outside the repository.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

let packed: Promise<string> | undefined;

/** The tarball's absolute path (in a temporary directory). */
export function packDeadbolt(): Promise<string> {
  packed ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deadbolt-pack-'));
    await run('npm', ['pack', '--pack-destination', dir, '--loglevel=error'], {
      cwd: REPO,
      maxBuffer: 1 << 26,
    });
    const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack produced no tarball');
    return join(dir, tarball);
  })();
  return packed;
}

/** npm install of `specs` in `dir` (offline where the npm cache has them). */
export async function installInto(dir: string, specs: string[]): Promise<void> {
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...specs], {
    cwd: dir,
    maxBuffer: 1 << 26,
  });
}

/** Runs a JavaScript file or `-e` source with this Node (24), no loader and no type stripping. */
export function plainNode(cwd: string, args: string[]) {
  return run(process.execPath, ['--no-experimental-strip-types', ...args], { cwd, maxBuffer: 1 << 24 });
}

export { run };
