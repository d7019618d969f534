// CLI: relying-party clients in the system of record (A2): a change is live at once on every
// running server. The secret is printed once, on add; it is stored sealed and never written to a file.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ClientRegistry } from '../oidc/client-registry.ts';
import { AUTH_METHODS, type AuthMethod, clientSchema } from '../oidc/clients.ts';
import { flags, oneOf, print, required, UsageError } from './args.ts';
import type { ClientPort } from './port.ts';
import { localClients } from './port-local.ts';

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

const ADD_FLAGS = {
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
  /** A1: an admin API client (client_credentials) with these scopes, e.g. "admin:read admin:write". */
  'admin-scopes': { type: 'string' },
  /** A1: limits an admin client to these organizations. */
  'admin-org': { type: 'string', multiple: true },
} as const;

async function add(port: ClientPort, argv: string[]): Promise<void> {
  const f = flags(argv, ADD_FLAGS);
  const id = required(f, 'id');
  // A3: the admin API generates every secret itself (shown once, in its answer).
  if (!port.local && typeof f.secret === 'string')
    throw new UsageError(
      '--secret is not accepted with --url: the server generates the secret and prints it once',
    );
  if (await port.clientExists(id)) throw new UsageError(`client ${id} already exists`);
  const method = authMethodOf(f);
  const secret = !method.startsWith('client_secret')
    ? undefined
    : typeof f.secret === 'string'
      ? f.secret
      : randomBytes(32).toString('base64url');
  const admin = typeof f['admin-scopes'] === 'string';
  const redirects = (f['redirect-uri'] as string[] | undefined) ?? [];
  const parsed = clientSchema.safeParse({
    client_id: id,
    client_name: typeof f.name === 'string' ? f.name : undefined,
    client_secret: secret,
    redirect_uris: redirects,
    post_logout_redirect_uris: f['post-logout-redirect-uri'],
    grant_types: admin
      ? ['client_credentials', ...(redirects.length ? ['authorization_code', 'refresh_token'] : [])]
      : ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: method,
    scope: admin ? String(f['admin-scopes']) : undefined,
    admin_org_ids: f['admin-org'],
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
  const saved = await port.addClient(parsed.data);
  // The secret is printed once, here, for the operator to hand to the relying party.
  print({ ...saved, note: 'saved; live on every running server now' });
}

/** `target`: the admin port (local or --url), or a bare registry (in-process callers, tests). */
export async function clientCommand(
  target: ClientPort | ClientRegistry,
  sub: string | undefined,
  argv: string[],
) {
  const port = 'listClients' in target ? target : localClients(target);
  if (sub === 'list') return print(await port.listClients());
  if (sub === 'add') return add(port, argv);
  if (sub === 'remove') {
    const f = flags(argv, { id: { type: 'string' } });
    return print({ removed: await port.removeClient(required(f, 'id')) });
  }
  throw new UsageError(
    'client list | client add --id ID --redirect-uri URI [--redirect-uri …] [--post-logout-redirect-uri URI] [--name N] [--first-party] [--public | --secret S | --auth-method client_secret_basic|client_secret_post|private_key_jwt|none] [--jwks-file F | --jwks-uri URI] [--introspection-allowed] [--backchannel-logout-uri URI] [--admin-scopes "admin:read admin:write admin:mfa-reset" [--admin-org ORG_ID …]] | client remove --id ID',
  );
}
