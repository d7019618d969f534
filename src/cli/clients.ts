// CLI: relying-party clients in CLIENTS_FILE (restart the server to load changes).
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  AUTH_METHODS,
  type AuthMethod,
  clientSchema,
  readClientsFile,
  writeClientsFile,
} from '../oidc/clients.ts';
import { flags, oneOf, print, required, UsageError } from './args.ts';

/** --auth-method (I2); --public is short for `none`. */
function authMethodOf(f: Record<string, unknown>): AuthMethod {
  if (f.public) return 'none';
  return typeof f['auth-method'] === 'string'
    ? oneOf(f['auth-method'], AUTH_METHODS, 'auth-method')
    : 'client_secret_basic';
}

async function jwksOf(file: unknown): Promise<unknown> {
  if (typeof file !== 'string') return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--jwks-file ${file}: ${(err as Error).message}`);
  }
}

export async function clientCommand(file: string, sub: string | undefined, argv: string[]): Promise<void> {
  const clients = await readClientsFile(file, { missingOk: true });
  if (sub === 'list') {
    return print(clients.map(({ client_secret: _secret, ...c }) => ({ ...c, has_secret: Boolean(_secret) })));
  }
  if (sub === 'add') {
    const f = flags(argv, {
      id: { type: 'string' },
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'first-party': { type: 'boolean' },
      public: { type: 'boolean' },
      secret: { type: 'string' },
      'backchannel-logout-uri': { type: 'string' },
      'auth-method': { type: 'string' },
      'jwks-file': { type: 'string' },
      'jwks-uri': { type: 'string' },
      'introspection-allowed': { type: 'boolean' },
    });
    const id = required(f, 'id');
    if (clients.some((c) => c.client_id === id)) throw new UsageError(`client ${id} already exists`);
    const method = authMethodOf(f);
    const secret = !method.startsWith('client_secret')
      ? undefined
      : typeof f.secret === 'string'
        ? f.secret
        : randomBytes(32).toString('base64url');
    const parsed = clientSchema.safeParse({
      client_id: id,
      client_name: typeof f.name === 'string' ? f.name : undefined,
      client_secret: secret,
      redirect_uris: f['redirect-uri'] ?? [],
      post_logout_redirect_uris: f['post-logout-redirect-uri'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: method,
      jwks: await jwksOf(f['jwks-file']),
      jwks_uri: f['jwks-uri'],
      introspection_allowed: f['introspection-allowed'] ? true : undefined,
      first_party: Boolean(f['first-party']),
      // I4: sid in ID and logout tokens follows from the URI (see toMetadata).
      backchannel_logout_uri: f['backchannel-logout-uri'],
    });
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new UsageError(`${i.path.join('.') || 'client'}: ${i.message}`);
    }
    await writeClientsFile(file, [...clients, parsed.data]);
    // The secret is printed once, here, for the operator to hand to the relying party.
    return print({ ...parsed.data, note: `saved to ${file}; restart the server to load it` });
  }
  if (sub === 'remove') {
    const f = flags(argv, { id: { type: 'string' } });
    const id = required(f, 'id');
    const rest = clients.filter((c) => c.client_id !== id);
    await writeClientsFile(file, rest);
    return print({ removed: rest.length !== clients.length });
  }
  throw new UsageError(
    'client list | client add --id ID --redirect-uri URI [--redirect-uri …] [--post-logout-redirect-uri URI] [--name N] [--first-party] [--public | --secret S | --auth-method client_secret_basic|client_secret_post|private_key_jwt|none] [--jwks-file F | --jwks-uri URI] [--introspection-allowed] [--backchannel-logout-uri URI] | client remove --id ID',
  );
}
