// A3: the embedded store (PGlite) is single-process, so whoever opens it — a server or a CLI
// command — holds an exclusive lock on DATA_DIR: `<DATA_DIR>/deadbolt.lock`, created with O_EXCL
// and holding the owner's pid, start time and command. A second opener is refused with a message
// naming that process. A lock whose pid is no longer alive (the owner was killed) is stale: it is
// taken over, and the caller logs that. The lock is removed on close and, as a fallback, on exit.
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'deadbolt.lock';

export interface LockOwner {
  pid: number;
  startedAt: string;
  command: string;
  host: string;
  token: string;
}

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  readonly owner: LockOwner;

  constructor(dataDir: string, owner: LockOwner) {
    super(
      `DATA_DIR ${dataDir} is in use by another Deadbolt process: pid ${owner.pid} on ${owner.host} ` +
        `(${owner.command}), running since ${owner.startedAt}. The embedded database (PGlite) is ` +
        'single-process, so nothing else may open it while that process runs. Stop that process ' +
        `first (e.g. kill -TERM ${owner.pid}, or stop its service), or run the servers and the CLI ` +
        "side by side on PostgreSQL (set DATABASE_URL), or use the running server's admin API.",
    );
    this.owner = owner;
  }
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/** True when a process with this pid exists (EPERM: it exists, owned by another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const FRESH_MS = 3000;

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' ? (parsed as LockOwner) : undefined;
  } catch {
    return undefined; // unreadable or half-written: treated as stale below
  }
}

/**
 * Takes the lock or throws DataDirLockedError. `onStale` is told about a lock taken over from a
 * dead process (or an unreadable lock file). A lock from another host is never taken over: its pid
 * cannot be checked from here.
 */
export async function lockDataDir(
  dataDir: string,
  onStale: (previous: LockOwner | undefined) => void = () => {},
): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE);
  const me: LockOwner = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    command: process.argv
      .slice(1)
      .map((a) => a.replace(/[\p{Cc}]/gu, ''))
      .join(' ')
      .slice(0, 200),
    host: hostname(),
    token: randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 50) throw err;
    }
    const owner = readOwner(file);
    if (owner && (owner.host !== me.host || alive(owner.pid))) throw new DataDirLockedError(dataDir, owner);
    // An unreadable lock may be one another opener is writing this instant: wait for it a little.
    if (!owner && Date.now() - mtime(file) < FRESH_MS) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    onStale(owner);
    try {
      unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    // Only our own lock is removed (never one a later owner took over).
    if (readOwner(file)?.token === me.token) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  };
  process.on('exit', release);
  return { file, release };
}
