// Relying-party client metadata, validated (O1, X4) wherever a client comes from: CLIENTS_FILE (an
// optional import at start, A2), the CLI or the admin API. Clients live in the system of record
// (src/oidc/client-registry.ts); this file is never written.
import { readFile } from 'node:fs/promises';
import type { ClientMetadata } from 'oidc-provider';
import { z } from 'zod';

const uri = z.string().url();
/** A public JWK: private members are refused (I2, private_key_jwt). */
const publicJwk = z
  .object({ kty: z.string() })
  .passthrough()
  .refine((k) => !['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((m) => m in k), 'public keys only');
export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
export const clientSchema = z
  .object({
    client_id: z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'letters, digits, . _ ~ - (max 128)'),
    client_secret: z.string().min(32).optional(),
    client_name: z.string().max(100).optional(),
    /** Required with authorization_code; a client_credentials-only client has none. */
    redirect_uris: z.array(uri).default([]),
    post_logout_redirect_uris: z.array(uri).optional(),
    grant_types: z
      .array(z.enum(['authorization_code', 'refresh_token', 'client_credentials']))
      .min(1)
      .default(['authorization_code']),
    response_types: z.array(z.literal('code')).optional(),
    /** Space-separated scopes the client may ask for; admin scopes (A1) only when listed here. */
    scope: z
      .string()
      .regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'space-separated scopes')
      .optional(),
    /** A1: limits an admin API client to these organizations (absent: every organization). */
    admin_org_ids: z.array(z.uuid()).optional(),
    /** X9: the organization whose branding this client's sign-in pages show. */
    org_id: z.uuid().optional(),
    token_endpoint_auth_method: z.enum(AUTH_METHODS).optional(),
    /** private_key_jwt: the client's public keys, inline or by URL (I2). */
    jwks: z.object({ keys: z.array(publicJwk).min(1) }).optional(),
    jwks_uri: z.string().url().optional(),
    /** A resource server allowed to introspect other clients' tokens (I3). */
    introspection_allowed: z.boolean().optional(),
    /** I4: OpenID Connect Back-Channel Logout 1.0: where the logout token is POSTed. */
    backchannel_logout_uri: uri.optional(),
    /** I4: put `sid` in ID and logout tokens (default true when a logout URI is registered). */
    backchannel_logout_session_required: z.boolean().optional(),
    /** First-party clients skip the consent screen. */
    first_party: z.boolean().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    const method = authMethodOf(c);
    if (c.grant_types.includes('authorization_code') && c.redirect_uris.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['redirect_uris'],
        message: 'at least one redirect URI is required',
      });
    }
    if (c.grant_types.includes('client_credentials') && method === 'none') {
      ctx.addIssue({
        code: 'custom',
        message: 'client_credentials needs an authenticated client (not none)',
      });
    }
    if (method.startsWith('client_secret') && !c.client_secret) {
      ctx.addIssue({ code: 'custom', message: `client_secret is required for ${method}` });
    }
    if (method === 'private_key_jwt' && !c.jwks === !c.jwks_uri) {
      ctx.addIssue({ code: 'custom', message: 'private_key_jwt needs exactly one of jwks or jwks_uri' });
    }
    if (method !== 'private_key_jwt' && (c.jwks || c.jwks_uri)) {
      ctx.addIssue({ code: 'custom', message: 'jwks and jwks_uri are for private_key_jwt clients' });
    }
  });

function authMethodOf(c: { token_endpoint_auth_method?: AuthMethod; client_secret?: string }): AuthMethod {
  return c.token_endpoint_auth_method ?? (c.client_secret ? 'client_secret_basic' : 'none');
}

export type ClientConfig = z.infer<typeof clientSchema>;
/** Our client properties beyond the standard metadata (oidc-provider extraClientMetadata). */
export const CLIENT_PROPERTIES = ['first_party', 'introspection_allowed', 'admin_org_ids', 'org_id'];
const fileSchema = z.array(clientSchema);

export function toMetadata(c: ClientConfig): ClientMetadata {
  return {
    ...c,
    response_types: c.grant_types.includes('authorization_code') ? ['code'] : [],
    // I4: a client that registered a back-channel logout URI gets `sid` in its ID tokens, so it
    // can match the logout token to the session it ended.
    ...(c.backchannel_logout_uri
      ? { backchannel_logout_session_required: c.backchannel_logout_session_required ?? true }
      : {}),
    token_endpoint_auth_method: authMethodOf(c),
  } as ClientMetadata;
}

export async function readClientsFile(file: string, { missingOk = false } = {}): Promise<ClientConfig[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (missingOk && (err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`CLIENTS_FILE ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`CLIENTS_FILE ${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`CLIENTS_FILE ${file}: [${first.path.join('.')}] ${first.message}`);
  }
  const ids = new Set<string>();
  for (const c of parsed.data) {
    if (ids.has(c.client_id)) throw new Error(`CLIENTS_FILE ${file}: duplicate client_id ${c.client_id}`);
    ids.add(c.client_id);
  }
  return parsed.data;
}
