// A1: the admin REST API with client-credentials tokens: scopes and organization limits enforced,
// 401/403 problem details, audit rows with the client as actor, and the OpenAPI document.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const SECRET = 'admin-client-secret-0123456789abcdef-xyz';
const admin = (id: string, scope: string, extra: object = {}) => ({
  client_id: id,
  client_secret: SECRET,
  grant_types: ['client_credentials'],
  scope,
  ...extra,
});

async function tokenOf(server: TestServer, clientId: string, scope: string): Promise<string> {
  const config = await client.discovery(new URL(server.issuer), clientId, SECRET, undefined, {
    execute: [client.allowInsecureRequests],
  });
  return (await client.clientCredentialsGrant(config, { scope })).access_token;
}

for (const mode of STORE_MODES) {
  describe(`A1: admin REST API (${mode})`, function () {
    this.timeout(60_000);
    let server: TestServer;
    const orgLimited = '00000000-0000-4000-8000-000000000001';
    before(async () => {
      server = await startTestServer(mode, {
        clients: [
          admin('admin-rw', 'admin:read admin:write admin:mfa-reset'),
          admin('admin-ro', 'admin:read'),
          admin('admin-limited', 'admin:read admin:write', { admin_org_ids: [orgLimited] }),
        ],
      });
    });
    after(() => server.stop());
    const call = (token: string | undefined, method: string, path: string, body?: unknown) =>
      fetch(new URL(`/admin/v1${path}`, server.url), {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });

    it('A1: no or an invalid token is 401 with WWW-Authenticate: Bearer and a problem+json body', async () => {
      for (const token of [undefined, 'not-a-token']) {
        const res = await call(token, 'GET', '/organizations');
        assert.equal(res.status, 401);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
        assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
        const p = (await res.json()) as { type: string; title: string; status: number; detail: string };
        assert.equal(p.status, 401);
        assert.ok(p.type && p.title && p.detail);
      }
    });

    it('A1: a read-only token reads but cannot write (403 problem), and the call is audited with the client as actor', async () => {
      const ro = await tokenOf(server, 'admin-ro', 'admin:read');
      assert.equal((await call(ro, 'GET', '/organizations')).status, 200);
      const res = await call(ro, 'POST', '/organizations', { name: 'Nope' });
      assert.equal(res.status, 403);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      const rw = await tokenOf(server, 'admin-rw', 'admin:read admin:write');
      const created = await call(rw, 'POST', '/organizations', { name: 'Acme' });
      assert.equal(created.status, 201);
      const org = (await created.json()) as { id: string };
      const events = await server.services.sor.listAudit({ orgId: org.id });
      assert.ok(events.some((e) => e.action === 'admin.org.created' && e.actorLabel === 'client:admin-rw'));
    });

    it('A1: a client limited to organizations cannot act on another one', async () => {
      const rw = await tokenOf(server, 'admin-rw', 'admin:write');
      const other = (await (await call(rw, 'POST', '/organizations', { name: 'Other' })).json()) as {
        id: string;
      };
      const limited = await tokenOf(server, 'admin-limited', 'admin:read admin:write');
      const res = await call(limited, 'PATCH', `/organizations/${other.id}`, { plan: 'paid' });
      assert.equal(res.status, 403);
      assert.equal((await server.services.sor.findOrgById(other.id))?.plan, 'free', 'nothing changed');
    });

    it('A1: the OpenAPI 3.1 document is served, every $ref resolves', async () => {
      const doc = (await (await fetch(new URL('/admin/v1/openapi.json', server.url))).json()) as {
        openapi: string;
        paths: Record<string, object>;
        components: { schemas: Record<string, object> };
      };
      assert.match(doc.openapi, /^3\.1\./);
      assert.ok(Object.keys(doc.paths).length >= 8);
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
        (m) => m[1],
      );
      assert.ok(refs.length > 0);
      for (const r of refs) assert.ok(doc.components.schemas[r], `$ref ${r} resolves`);
    });
  });
}
