// node-oidc-provider adapter over Redis (O2), after the upstream Redis example adapter.
//
// Key layout (every key starts with the store's prefix; the memory adapter mirrors it):
//   oidc:<Model>:<id>          the model; a hash {payload, consumed?} for consumable models, else a JSON string
//   oidc:grant:<grantId>       set of the model keys issued under one grant; TTL = longest member
//   oidc:uid:<uid>             Session uid -> session id
//   oidc:userCode:<code>       DeviceCode user code -> device code id
//   oidc:sessions:<accountId>  set of the account's session ids; TTL = longest member. Also a KeyValueStore
//                              key (sessionsOfAccountKey), so `kv.setMembers` reads it on either backend.
//   oidc:grants:<accountId>    set of the account's grant ids (offline grants outlive sessions, V3);
//                              TTL = longest member; a KeyValueStore key like the sessions index.
// TTLs are the provider's expiresIn. "Extend to the longest member" is EXPIRE NX followed by EXPIRE GT
// (Redis >= 7.0): NX gives a new key its TTL, GT only ever lengthens an existing one.
//
// Redis Cluster (Z1). Each key above is found by a different id (a token by its own id, a pointer by
// the uid or user code, an index by the grant or account), so no hash tag can put a model and its
// pointers and indexes in one slot: the keys carry no tag and are spread over the shards. The only
// multi-key operations are a model's write together with its pointers and indexes, a session's
// delete with its account index, revoking a grant, and the uid lookup. On one Redis (or a Sentinel
// primary) each is one MULTI or script; on a cluster they are split into single-key commands:
//   - upsert writes the model first, then its pointers and indexes (in parallel). A failure between
//     the two rejects the upsert, so the provider never hands out that token or code (fail closed);
//     the orphan expires with its TTL. Lost: readers may briefly see the model before its index.
//   - findByUid is two GETs (pointer, then model) instead of FIND_BY_POINTER_SCRIPT.
//   - destroy (Session) and revokeByGrantId delete key by key; a failure part-way rejects, and a
//     retry deletes the rest. Lost (on every topology: the member list is read before the delete):
//     a token written under a grant at the very moment it is revoked can outlive the revocation.
// CONSUME_SCRIPT and every KeyValueStore / rate-limiter operation use a single key.

import { createHash } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { AdapterConstructor } from '../ports.ts';
import type { RedisClient } from './redis-connect.ts';
import { addToIndex, delAll, type KeyWrite, setPointer, writeAll } from './redis-writes.ts';

export { execMulti } from './redis-writes.ts';

/** Models whose `consume` marks them used; `find` then returns `consumed` so a replay is refused. */
export const CONSUMABLE_MODELS: ReadonlySet<string> = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PushedAuthorizationRequest',
  'PreAuthorizedCode',
]);

/** Models removed by `revokeByGrantId`. */
export const GRANTABLE_MODELS: ReadonlySet<string> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/**
 * Models whose id is itself a bearer credential (the token or code a client presents). V8: they are
 * stored under a SHA-256 of the id, and without the id (`jti`) in the payload, so a dump of the
 * store reveals no usable token; `find` puts the id back.
 */
export const SECRET_ID_MODELS: ReadonlySet<string> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'ClientCredentials',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PushedAuthorizationRequest',
  'RegistrationAccessToken',
  'InitialAccessToken',
  'PreAuthorizedCode',
]);

const storedId = (model: string, id: string): string =>
  SECRET_ID_MODELS.has(model) ? `h.${createHash('sha256').update(id).digest('base64url')}` : id;

/** The payload as stored: without the id of a secret-id model (V8). */
export function toStored(model: string, payload: AdapterPayload): AdapterPayload {
  if (!SECRET_ID_MODELS.has(model)) return payload;
  const { jti: _jti, ...rest } = payload;
  return rest;
}

/** The payload as found: with its id again. */
export function fromStored(model: string, id: string, payload: AdapterPayload): AdapterPayload {
  return SECRET_ID_MODELS.has(model) ? { ...payload, jti: id } : payload;
}

export const oidcKeys = {
  model: (model: string, id: string): string => `oidc:${model}:${storedId(model, id)}`,
  grant: (grantId: string): string => `oidc:grant:${grantId}`,
  uid: (uid: string): string => `oidc:uid:${uid}`,
  userCode: (userCode: string): string => `oidc:userCode:${userCode}`,
};

/** KeyValueStore key of the set of session ids of an account (see listSessionIdsOfAccount). */
export function sessionsOfAccountKey(accountId: string): string {
  return `oidc:sessions:${accountId}`;
}

/** KeyValueStore key of the set of grant ids of an account (see listGrantIdsOfAccount). */
export function grantsOfAccountKey(accountId: string): string {
  return `oidc:grants:${accountId}`;
}

/** Runs one Redis operation, mapping connection failures to StoreUnavailableError (see redis.ts). */
export type RedisRunner = <T>(operation: (client: RedisClient) => Promise<T>) => Promise<T>;

/** Provider TTLs are whole seconds; anything below 1 would make Redis reject or drop the key at once. */
function ttlOf(expiresIn: number | undefined): number | undefined {
  return typeof expiresIn === 'number' ? Math.max(1, Math.ceil(expiresIn)) : undefined;
}

// Marks a stored model consumed without re-creating it (with no TTL) when it has just expired.
const CONSUME_SCRIPT = `if redis.call('exists', KEYS[1]) == 1 then
  return redis.call('hset', KEYS[1], 'consumed', ARGV[1])
end
return 0`;

// Follows a pointer key (uid → session id) and reads the model in one round trip. The model's key
// is derived inside the script, which is fine on a single Redis (not on a cluster: two GETs there).
const FIND_BY_POINTER_SCRIPT = `local id = redis.call('get', KEYS[1])
if not id then return false end
return redis.call('get', ARGV[1] .. id)`;

function parse(json: string | null | undefined): AdapterPayload | undefined {
  return json ? (JSON.parse(json) as AdapterPayload) : undefined;
}

const epochSeconds = (): number => Math.floor(Date.now() / 1000);

interface RedisAdapterDeps {
  run: RedisRunner;
  prefix: string;
  /** The client is a Redis Cluster, so multi-key operations are split (Z1). */
  cluster: boolean;
}

/** The provider's models on Redis; createRedisOidcAdapter binds it to one store. */
class RedisOidcAdapter implements Adapter {
  readonly model: string;
  readonly consumable: boolean;

  private readonly run: RedisRunner;
  private readonly k: (key: string) => string;
  private readonly cluster: boolean;

  constructor(deps: RedisAdapterDeps, model: string) {
    this.run = deps.run;
    this.k = (key) => deps.prefix + key;
    this.cluster = deps.cluster;
    this.model = model;
    this.consumable = CONSUMABLE_MODELS.has(model);
  }

  key(id: string): string {
    return this.k(oidcKeys.model(this.model, id));
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const ttl = ttlOf(expiresIn);
    const writes = [this.modelWrite(id, payload, ttl)];
    if (GRANTABLE_MODELS.has(this.model) && payload.grantId) {
      const member = this.key(id);
      writes.push((multi) =>
        addToIndex(multi, this.k(oidcKeys.grant(payload.grantId as string)), member, ttl),
      );
    }
    if (this.model === 'Session' && payload.uid)
      writes.push(setPointer(this.k(oidcKeys.uid(payload.uid)), id, ttl));
    if (payload.userCode) writes.push(setPointer(this.k(oidcKeys.userCode(payload.userCode)), id, ttl));
    const accountId = payload.accountId;
    if (this.model === 'Session' && accountId) {
      writes.push((multi) => addToIndex(multi, this.k(sessionsOfAccountKey(accountId)), id, ttl));
    }
    if (this.model === 'Grant' && accountId) {
      writes.push((multi) => addToIndex(multi, this.k(grantsOfAccountKey(accountId)), id, ttl));
    }
    await this.run((client) => writeAll(client, this.cluster, writes));
  }

  private modelWrite(id: string, payload: AdapterPayload, ttl: number | undefined): KeyWrite {
    const key = this.key(id);
    const json = JSON.stringify(toStored(this.model, payload));
    return (multi) => {
      if (this.consumable) {
        // HSET keeps an earlier `consumed` field: once used, a code stays used.
        multi.hset(key, 'payload', json);
        if (ttl === undefined) multi.persist(key);
        else multi.expire(key, ttl);
      } else if (ttl === undefined) {
        multi.set(key, json);
      } else {
        multi.set(key, json, 'EX', ttl);
      }
    };
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const key = this.key(id);
    if (!this.consumable) {
      const found = parse(await this.run((client) => client.get(key)));
      return found && fromStored(this.model, id, found);
    }
    const hash = await this.run((client) => client.hgetall(key));
    const payload = parse(hash.payload);
    if (payload && hash.consumed) payload.consumed = Number(hash.consumed);
    return payload && fromStored(this.model, id, payload);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    if (!this.consumable) {
      // Sessions: looked up by uid on every interaction step, so in one round trip (but a cluster).
      const json = await this.run(async (client) => {
        if (!this.cluster)
          return client.eval(FIND_BY_POINTER_SCRIPT, 1, this.k(oidcKeys.uid(uid)), this.key(''));
        const id = await client.get(this.k(oidcKeys.uid(uid)));
        return id ? client.get(this.key(id)) : null;
      });
      return parse(typeof json === 'string' ? json : undefined);
    }
    const id = await this.run((client) => client.get(this.k(oidcKeys.uid(uid))));
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = await this.run((client) => client.get(this.k(oidcKeys.userCode(userCode))));
    return id ? this.find(id) : undefined;
  }

  async consume(id: string): Promise<void> {
    if (!this.consumable) throw new TypeError(`${this.model} is not a consumable model`);
    const key = this.key(id);
    await this.run((client) => client.eval(CONSUME_SCRIPT, 1, key, epochSeconds()));
  }

  async destroy(id: string): Promise<void> {
    const key = this.key(id);
    if (this.model !== 'Session') {
      await this.run((client) => client.del(key));
      return;
    }
    // A session also leaves its account's index (one extra round trip, on sign-out only).
    const session = parse(await this.run((client) => client.get(key)));
    const writes: KeyWrite[] = [(multi) => multi.del(key)];
    const accountId = session?.accountId;
    if (accountId) writes.push((multi) => multi.srem(this.k(sessionsOfAccountKey(accountId)), id));
    await this.run((client) => writeAll(client, this.cluster, writes));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const grantKey = this.k(oidcKeys.grant(grantId));
    const members = await this.run((client) => client.smembers(grantKey));
    await this.run((client) => delAll(client, this.cluster, [...members, grantKey]));
  }
}

/** `cluster`: the client is a Redis Cluster, so multi-key operations are split (Z1). */
export function createRedisOidcAdapter(
  run: RedisRunner,
  prefix: string,
  cluster = false,
): AdapterConstructor {
  const deps: RedisAdapterDeps = { run, prefix, cluster };
  return class extends RedisOidcAdapter {
    constructor(model: string) {
      super(deps, model);
    }
  };
}
