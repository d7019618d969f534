// A2: relying-party clients in the system of record. Every instance reads them through the
// provider's `Client` adapter on each lookup, from a process cache that every change empties on
// every instance (./client-cache.ts); oidc-provider keys its own cache of adapter-loaded clients by
// a hash of the metadata, so a change or a removal is seen at once, on every instance.
// Secrets are sealed at rest like TOTP secrets (AES-256-GCM, AAD `client:<id>`). The built-in
// first-party clients (account pages, demo) stay static in the provider's configuration.
import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Config } from '../config/index.ts';
import { open, seal } from '../crypto/sealed.ts';
import type { ChangeFeed } from '../store/ephemeral/change-feed.ts';
import { ConflictError, type SystemOfRecord } from '../store/ports.ts';
import type { ClientRecord } from '../store/records.ts';
import { createClientCache } from './client-cache.ts';
import { type ClientConfig, clientSchema, toMetadata } from './clients.ts';

export const clientAad = (clientId: string) => `client:${clientId}`;

/** How long the list behind the CSP form-action sources (I6) may be stale. */
const LIST_CACHE_MS = 3_000;

/** A client as shown to operators: everything but the secret. */
export type PublicClient = Omit<ClientConfig, 'client_secret'> & {
  has_secret: boolean;
  built_in: boolean;
  created_at?: string;
  updated_at?: string;
};

export interface ClientRegistry {
  /** Built-in first-party clients: static in the provider's configuration. */
  readonly builtIn: ClientConfig[];
  /** A client (built-in or stored) with its secret opened, for the provider only; `fresh`: not from the cache. */
  find(clientId: string, options?: { fresh?: boolean }): Promise<ClientConfig | undefined>;
  /** Every client, built-in first; `maxAgeMs` allows a briefly cached answer. */
  list(options?: { maxAgeMs?: number }): Promise<ClientConfig[]>;
  /** Every client without secrets. */
  listPublic(): Promise<PublicClient[]>;
  findPublic(clientId: string): Promise<PublicClient | undefined>;
  /** Inserts or replaces a stored client; a built-in client id is a ConflictError. */
  save(client: ClientConfig): Promise<PublicClient>;
  remove(clientId: string): Promise<boolean>;
}

type Keys = Pick<Config, 'factorKeys'>;

/** Validated again with the opened secret, so a row edited by hand cannot slip past the schema. */
function fromRecord(keys: Keys, r: ClientRecord): ClientConfig {
  const secret = r.secretEnc ? open(keys.factorKeys, r.secretEnc, clientAad(r.clientId)) : undefined;
  return clientSchema.parse({ ...r.metadata, ...(secret ? { client_secret: secret } : {}) });
}

/** The stored metadata (validated on save), without the secret. */
const metadataOf = (r: ClientRecord) => r.metadata as Omit<ClientConfig, 'client_secret'> as ClientConfig;

function publicOf(c: ClientConfig, builtIn: boolean, r?: ClientRecord): PublicClient {
  const { client_secret, ...rest } = c;
  return {
    ...rest,
    has_secret: Boolean(client_secret ?? r?.secretEnc),
    built_in: builtIn,
    ...(r ? { created_at: r.createdAt.toISOString(), updated_at: r.updatedAt.toISOString() } : {}),
  };
}

export interface RegistryFeed {
  /** The fleet's change notices (the ephemeral store's); absent: clients are read every time. */
  changes?: ChangeFeed | undefined;
  /** A change was committed but its notice could not be sent (other instances: MAX_AGE_MS). */
  onPublishError?: (err: unknown) => void;
}

export function createClientRegistry(
  sor: SystemOfRecord,
  keys: Keys,
  builtIn: ClientConfig[],
  feed: RegistryFeed = {},
): ClientRegistry {
  const isBuiltIn = (id: string) => builtIn.some((c) => c.client_id === id);
  let cached: { at: number; list: ClientConfig[] } | undefined;
  const stored = createClientCache<ClientConfig>(feed.changes, feed.onPublishError ?? (() => {}));
  const storedPublic = (r: ClientRecord) => publicOf(metadataOf(r), false, r);
  return {
    builtIn,
    async find(clientId, { fresh = false } = {}) {
      const b = builtIn.find((c) => c.client_id === clientId);
      if (b) return b;
      const load = async () => {
        const r = await sor.findClient(clientId);
        return r && fromRecord(keys, r);
      };
      return stored.read(clientId, load, fresh);
    },
    async list({ maxAgeMs = 0 } = {}) {
      if (cached && Date.now() - cached.at < maxAgeMs) return cached.list;
      const list = [...builtIn, ...(await sor.listClients()).map(metadataOf)];
      cached = { at: Date.now(), list };
      return list;
    },
    async listPublic() {
      const stored = (await sor.listClients()).map(storedPublic);
      return [...builtIn.map((c) => publicOf(c, true)), ...stored];
    },
    async findPublic(clientId) {
      const b = builtIn.find((c) => c.client_id === clientId);
      if (b) return publicOf(b, true);
      const r = await sor.findClient(clientId);
      return r && storedPublic(r);
    },
    async save(client) {
      if (isBuiltIn(client.client_id)) throw new ConflictError(`client ${client.client_id} is built in`);
      const { client_secret, ...rest } = client;
      // The resolved method is stored: without the secret the default could not be told.
      const metadata = { ...rest, token_endpoint_auth_method: toMetadata(client).token_endpoint_auth_method };
      const secretEnc = client_secret
        ? seal(keys.factorKeys, client_secret, clientAad(client.client_id))
        : null;
      const r = await sor.upsertClient({ clientId: client.client_id, metadata, secretEnc });
      cached = undefined;
      await stored.changed(client.client_id);
      return storedPublic(r);
    },
    async remove(clientId) {
      cached = undefined;
      const removed = await sor.deleteClient(clientId);
      await stored.changed(clientId);
      return removed;
    },
  };
}

/** CLIENTS_FILE at start (A2): upserts by client_id; the file is only read. */
export async function importClients(registry: ClientRegistry, clients: ClientConfig[]): Promise<number> {
  for (const c of clients) await registry.save(c);
  return clients.length;
}

/** Where a client authenticates and tokens are issued or inspected: never a cached client (A2). */
const FRESH_ROUTES = new Set([
  'token',
  'introspection',
  'revocation',
  'pushed_authorization_request',
  'backchannel_authentication',
  'device_authorization',
]);

/**
 * The provider's adapter for the `Client` model: a read-through view of the system of record
 * (stored clients only; the built-in ones are static). Dynamic registration is not enabled, so the
 * provider never writes through it.
 */
export function clientAdapter(registry: ClientRegistry): Adapter {
  const readOnly = async () => {
    throw new Error('clients are managed through the CLI or the admin API');
  };
  return {
    async find(id: string) {
      if (registry.builtIn.some((c) => c.client_id === id)) return undefined;
      const c = await registry.find(id, { fresh: FRESH_ROUTES.has(Provider.ctx?.oidc?.route ?? '') });
      return c && (toMetadata(c) as unknown as AdapterPayload);
    },
    upsert: readOnly,
    destroy: readOnly,
    consume: readOnly,
    revokeByGrantId: readOnly,
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
  };
}
