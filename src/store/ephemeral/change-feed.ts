// Change notices between the instances of one fleet (issue 18): an instance that changes something
// other instances cache (a relying-party client, A2) publishes its key; every instance, itself
// included, drops its copy. On Redis this is pub/sub on a connection of its own; in memory (one
// process) it is a local call.
//
// Fail closed: pub/sub is not durable — a notice published while a subscriber is disconnected is
// lost to it. So a subscription says whether it is `live()` (subscribed and connected), a cache
// serves copies only while it is, and `reset()` tells it to drop everything whenever notices may
// have been missed (the connection closed, or came back).
import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-connect.ts';

export interface ChangeListener {
  /** `key` of the topic changed: drop any copy of it. */
  change(key: string): void;
  /** Notices may have been missed: drop every copy. */
  reset(): void;
}

export interface ChangeSubscription {
  /** True while every notice of the topic is being delivered. */
  live(): boolean;
}

export interface ChangeFeed {
  /** Tells every instance (this one too) that `key` of `topic` changed; resolves once sent. */
  publish(topic: string, key: string): Promise<void>;
  subscribe(topic: string, listener: ChangeListener): ChangeSubscription;
  close(): Promise<void>;
}

/** One process: a notice is delivered before publish() returns. */
export function memoryChangeFeed(): ChangeFeed {
  const listeners = new Map<string, Set<ChangeListener>>();
  return {
    async publish(topic, key) {
      for (const l of listeners.get(topic) ?? []) l.change(key);
    },
    subscribe(topic, listener) {
      const set = listeners.get(topic) ?? new Set();
      listeners.set(topic, set.add(listener));
      return { live: () => true };
    },
    async close() {
      listeners.clear();
    },
  };
}

/**
 * Redis pub/sub on `channelPrefix + topic`. The subscriber is a duplicate of `client`, opened on
 * the first subscribe; `publish` goes through `run` (the store's fail-closed runner).
 */
export function redisChangeFeed(
  client: RedisClient,
  channelPrefix: string,
  run: <T>(op: (c: RedisClient) => Promise<T>) => Promise<T>,
): ChangeFeed {
  const topics = new Map<string, Set<ChangeListener>>();
  let subscriber: RedisClient | undefined;
  let live = false;
  const resetAll = () => {
    for (const set of topics.values()) for (const l of set) l.reset();
  };
  const subscribeAll = async (sub: RedisClient) => {
    const channels = [...topics.keys()].map((t) => channelPrefix + t);
    if (channels.length === 0) return;
    await sub.subscribe(...channels);
    // Subscribed again after a gap: whatever was published meanwhile is unknown.
    resetAll();
    live = sub.status === 'ready';
  };
  const down = () => {
    if (live) resetAll();
    live = false;
  };
  const open = (): RedisClient => {
    const options = { autoResubscribe: false, enableOfflineQueue: true };
    const sub = client instanceof Cluster ? client.duplicate([], options) : client.duplicate(options);
    sub.on('ready', () => void subscribeAll(sub).catch(down));
    sub
      .on('close', down)
      .on('end', down)
      .on('error', () => {});
    sub.on('message', (channel: string, key: string) => {
      if (!live) return;
      for (const l of topics.get(channel.slice(channelPrefix.length)) ?? []) l.change(key);
    });
    return sub;
  };
  return {
    async publish(topic, key) {
      await run((c) => c.publish(channelPrefix + topic, key));
    },
    subscribe(topic, listener) {
      const set = topics.get(topic) ?? new Set();
      const isNew = !topics.has(topic);
      topics.set(topic, set.add(listener));
      if (!subscriber) subscriber = open();
      else if (isNew && subscriber.status === 'ready') {
        live = false;
        void subscribeAll(subscriber).catch(down);
      }
      return { live: () => live };
    },
    async close() {
      live = false;
      topics.clear();
      subscriber?.disconnect();
    },
  };
}
