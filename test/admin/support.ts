// Helpers of the admin API tests (A1): admin clients for CLIENTS_FILE, client-credentials tokens
// through openid-client, and calls to /admin/v1.
import * as client from 'openid-client';
import type { TestServer } from '../support/server.ts';

export const ADMIN_SECRET = 'admin-client-secret-0123456789abcdef-xyz';
export const ALL_ADMIN_SCOPES = 'admin:read admin:write admin:mfa-reset';

export const adminClient = (id: string, scope: string, extra: object = {}) => ({
  client_id: id,
  client_secret: ADMIN_SECRET,
  grant_types: ['client_credentials'],
  scope,
  ...extra,
});

/** An access token from the client-credentials grant (openid-client as the admin client). */
export async function adminToken(server: TestServer, clientId: string, scope: string): Promise<string> {
  const config = await client.discovery(new URL(server.issuer), clientId, ADMIN_SECRET, undefined, {
    execute: [client.allowInsecureRequests],
  });
  return (await client.clientCredentialsGrant(config, { scope })).access_token;
}

export type AdminCall = (
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
) => Promise<Response>;

export const adminCaller =
  (server: TestServer): AdminCall =>
  (token, method, path, body) =>
    fetch(new URL(`/admin/v1${path}`, server.url), {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
}
