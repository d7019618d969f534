// Redis topologies of the tests' own (Z1): a 3-master Redis Cluster (6 nodes, 1 replica each) and a
// Sentinel-managed primary/replica pair, from Debian's redis-server on high random loopback ports,
// in a temp dir, never the machine's shared Redis. stop() SIGKILLs every process and removes the dir.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { HostPort } from '../../src/store/ephemeral/redis-connect.ts';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Fails with a clear message when a binary is missing (CI installs them; nothing is skipped). */
export function requireBinary(name: string, debianPackage: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
  if (!found) throw new Error(`${name} is not installed: apt-get install -y ${debianPackage} (.ci/run does)`);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A free port in 20000-29999 whose cluster bus port (+10000) is free too. */
export async function freeHighPort(taken: Set<number> = new Set()): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (taken.has(port)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
}

export interface RedisNode extends HostPort {
  process: ChildProcess;
  kill(): void;
}

export interface Topology {
  dir: string;
  nodes: RedisNode[];
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 30_000,
  });
  return stdout;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function startServer(dir: string, port: number, args: string[]): RedisNode {
  const child = spawn('redis-server', args, { cwd: dir, stdio: 'ignore' });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return { host: '127.0.0.1', port, process: child, kill: () => child.kill('SIGKILL') };
}

const baseArgs = (port: number, dir: string): string[] => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
  '--dir',
  dir,
];

function topology(dir: string, nodes: RedisNode[]): Topology {
  return {
    dir,
    nodes,
    async stop() {
      await Promise.all(
        nodes.map(
          (node) =>
            new Promise<void>((resolve) => {
              if (node.process.exitCode !== null || node.process.signalCode !== null) return resolve();
              node.process.once('exit', () => resolve());
              node.kill();
            }),
        ),
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** 3 masters + 3 replicas; node timeout 1 s so a killed master's replica takes over within seconds. */
export async function startRedisCluster(): Promise<Topology> {
  requireBinary('redis-server', 'redis-server');
  requireBinary('redis-cli', 'redis-tools');
  const dir = await mkdtemp(join(tmpdir(), 'deadbolt-cluster-'));
  const taken = new Set<number>();
  const nodes: RedisNode[] = [];
  for (let i = 0; i < 6; i++) {
    const port = await freeHighPort(taken);
    const args = [
      ...baseArgs(port, dir),
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
    ];
    args.push('--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0');
    nodes.push(startServer(dir, port, args));
  }
  const cluster = topology(dir, nodes);
  try {
    for (const node of nodes)
      await waitFor(`redis ${node.port}`, async () => (await redisCli(node.port, 'ping')).includes('PONG'));
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await redisCli(
      nodes[0]!.port,
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    );
    for (const node of nodes) {
      await waitFor(`cluster state ok on ${node.port}`, async () =>
        (await redisCli(node.port, 'cluster', 'info')).includes('cluster_state:ok'),
      );
    }
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** Ports of the cluster's current masters (from CLUSTER NODES on a live node). */
export async function clusterMasters(cluster: Topology): Promise<number[]> {
  const alive = cluster.nodes.find(
    (node) => node.process.exitCode === null && node.process.signalCode === null,
  );
  const lines = (await redisCli(alive!.port, 'cluster', 'nodes')).trim().split('\n');
  // <id> <ip:port@bus> <flags> …; flags like "myself,master" or "master,fail".
  return lines
    .map((line) => line.split(' '))
    .filter(([, , flags = '']) => flags.split(',').includes('master') && !flags.includes('fail'))
    .map(([, address = '']) => Number(address.split('@')[0]?.split(':')[1]));
}

export interface SentinelGroup extends Topology {
  name: string;
  primary: RedisNode;
  replica: RedisNode;
  sentinel: RedisNode;
}

/** A primary, its replica and one Sentinel (quorum 1) failing over 1 s after the primary is gone. */
export async function startSentinelGroup(): Promise<SentinelGroup> {
  requireBinary('redis-server', 'redis-server');
  requireBinary('redis-cli', 'redis-tools');
  const dir = await mkdtemp(join(tmpdir(), 'deadbolt-sentinel-'));
  const taken = new Set<number>();
  const [p, r, s] = [await freeHighPort(taken), await freeHighPort(taken), await freeHighPort(taken)];
  const name = 'deadbolt-test';
  const primary = startServer(dir, p, baseArgs(p, dir));
  const replica = startServer(dir, r, [...baseArgs(r, dir), '--replicaof', '127.0.0.1', String(p)]);
  const conf = join(dir, 'sentinel.conf');
  await writeFile(
    conf,
    [
      `port ${s}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${p} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 3000`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  );
  const sentinel = startServer(dir, s, [conf, '--sentinel']);
  const group = { ...topology(dir, [primary, replica, sentinel]), name, primary, replica, sentinel };
  try {
    await waitFor('replica in sync', async () =>
      (await redisCli(r, 'info', 'replication')).includes('master_link_status:up'),
    );
    await waitFor('sentinel sees the replica', async () =>
      (await redisCli(s, 'sentinel', 'replicas', name)).includes(String(r)),
    );
    return group;
  } catch (error) {
    await group.stop();
    throw error;
  }
}

/** The primary's port as Sentinel reports it now. */
export async function sentinelPrimaryPort(group: SentinelGroup): Promise<number> {
  const out = await redisCli(group.sentinel.port, 'sentinel', 'get-master-addr-by-name', group.name);
  return Number(out.trim().split('\n')[1]);
}
