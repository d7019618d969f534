// CLI: relying-party clients in CLIENTS_FILE (restart the server to load changes).
import { randomBytes } from 'node:crypto';
import { clientSchema, readClientsFile, writeClientsFile } from '../oidc/clients.ts';
import { flags, print, required, UsageError } from './args.ts';

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
    });
    const id = required(f, 'id');
    if (clients.some((c) => c.client_id === id)) throw new UsageError(`client ${id} already exists`);
    const isPublic = Boolean(f.public);
    const secret = isPublic
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
      token_endpoint_auth_method: isPublic ? 'none' : 'client_secret_basic',
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
    'client list | client add --id ID --redirect-uri URI [--redirect-uri …] [--post-logout-redirect-uri URI] [--name N] [--backchannel-logout-uri URI] [--first-party] [--public | --secret S] | client remove --id ID',
  );
}
