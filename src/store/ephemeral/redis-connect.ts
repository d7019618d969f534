// Which Redis to use and how to connect to it (Z1): one server (REDIS_URL), a Redis Cluster
// (REDIS_CLUSTER_NODES, seed nodes) or a Sentinel-managed primary (REDIS_SENTINELS + name). Every
// connection fails closed (X2): no offline queue, bounded connect and command waits (Z3), and it
// reconnects forever, so calls fail fast while Redis (or its primary) is gone and succeed again
// once it is back or a replica has been promoted.

import { Cluster, Redis } from 'ioredis';

export interface HostPort {
  host: string;
  port: number;
}

/** A connection to any of the three: both classes share ioredis' command interface. */
export type RedisClient = Redis | Cluster;

export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: HostPort[] }
  | { kind: 'sentinel'; sentinels: HostPort[]; name: string }
  /** E2: a host's own ioredis client; it stays the host's to close. */
  | { kind: 'client'; client: RedisClient };

/** Parses "host:port,host:port" (IPv6 hosts in brackets); throws a message naming the bad entry. */
export function parseHostPorts(list: string): HostPort[] {
  const entries = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('must list at least one host:port');
  return entries.map((entry) => {
    const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match?.[1] || port < 1 || port > 65535) throw new Error(`"${entry}" is not host:port`);
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  });
}

const reconnectDelay = (times: number): number => Math.min(times * 100, 1000);

export function connectRedis(target: RedisTarget, timeoutMs: number): RedisClient {
  if (target.kind === 'client') return target.client;
  const bounded = {
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
  };
  if (target.kind === 'cluster') {
    // While slots move (a failover), the cluster client neither queues nor retries for long:
    // a command that finds no serving primary fails at once (503), later ones find the new one.
    return new Cluster(target.nodes, {
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnectDelay,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      maxRedirections: 4,
      slotsRefreshTimeout: timeoutMs,
      slotsRefreshInterval: 1000,
      redisOptions: bounded,
    });
  }
  const common = { ...bounded, enableOfflineQueue: false, retryStrategy: reconnectDelay };
  if (target.kind === 'sentinel') {
    // failoverDetector: follow +switch-master at once instead of at the next broken connection.
    return new Redis({
      ...common,
      sentinels: target.sentinels,
      name: target.name,
      failoverDetector: true,
      sentinelRetryStrategy: reconnectDelay,
    });
  }
  return new Redis(target.url, common);
}
