// A PgBouncer of the test's own (Z2): Debian's pgbouncer in transaction pooling mode, trust auth, on a
// random loopback port, in front of the machine's PostgreSQL (127.0.0.1:5432). stop() SIGKILLs it and
// removes its temp dir.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './redis-topology.ts';
import { freePort } from './server.ts';

export interface PgBouncer {
  port: number;
  /** `url` (a postgres:// URL to 127.0.0.1:5432) rewritten to go through this PgBouncer. */
  via(url: string): string;
  stop(): Promise<void>;
}

const reachable = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket.end() && true));
    socket.once('error', () => resolve(false));
  });

export async function startPgBouncer(pool: { size?: number } = {}): Promise<PgBouncer> {
  requireBinary('pgbouncer', 'pgbouncer');
  const dir = await mkdtemp(join(tmpdir(), 'deadbolt-pgbouncer-'));
  const port = await freePort();
  await writeFile(join(dir, 'userlist.txt'), '"postgres" ""\n');
  const ini = [
    '[databases]',
    '* = host=127.0.0.1 port=5432',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    `default_pool_size = ${pool.size ?? 5}`,
    'max_client_conn = 500',
    'server_reset_query =',
    'ignore_startup_parameters = extra_float_digits',
    '',
  ].join('\n');
  await writeFile(join(dir, 'pgbouncer.ini'), ini);
  // PgBouncer refuses to run as root: as root (a CI container), it drops to the postgres user.
  await chmod(dir, 0o755);
  const asUser = process.getuid?.() === 0 ? ['-u', 'postgres'] : [];
  const child: ChildProcess = spawn('pgbouncer', [...asUser, join(dir, 'pgbouncer.ini')], {
    stdio: 'ignore',
  });
  const kill = (): boolean => child.kill('SIGKILL');
  process.once('exit', kill);
  const stop = async (): Promise<void> => {
    process.off('exit', kill);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      kill();
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await reachable(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`pgbouncer did not start on ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    via: (url) => {
      const through = new URL(url);
      through.hostname = '127.0.0.1';
      through.port = String(port);
      return through.href;
    },
    stop,
  };
}
