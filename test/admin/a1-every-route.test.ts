// A1: a test that calls every documented route. The OpenAPI document at /admin/v1/openapi.json is
// the list: every path+method in it is called with a token holding every admin scope and valid
// inputs built for it; the status must be a documented 2xx of that operation and the body must
// match the operation's schema. The documented routes must equal the router's (no drift).
import assert from 'node:assert/strict';
import type Router from '@koa/router';
import { ADMIN_PREFIX, ADMIN_ROUTES } from '../../src/admin/router.ts';
import { RP_REDIRECT, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';
import { type AdminCall, ALL_ADMIN_SCOPES, adminCaller, adminClient, adminToken } from './support.ts';

interface OpenApi {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
}
interface Input {
  params?: Record<string, string>;
  query?: string;
  body?: unknown;
}

/** `METHOD /path/{param}` of every route the koa router under /admin/v1 serves. */
function servedRoutes(server: TestServer): Set<string> {
  const router = server.app.middleware
    .map((m) => (m as { router?: Router }).router)
    .find((r) => r?.opts.prefix === ADMIN_PREFIX);
  assert.ok(router, 'the admin router is mounted');
  const served = new Set<string>();
  for (const layer of router.stack) {
    const path = String(layer.path)
      .slice(ADMIN_PREFIX.length)
      .replace(/:(\w+)/g, '{$1}');
    for (const m of layer.methods) if (m !== 'HEAD' && path !== '/openapi.json') served.add(`${m} ${path}`);
  }
  return served;
}

for (const mode of STORE_MODES) {
  describe(`A1: every documented admin route answers as documented (${mode})`, function () {
    this.timeout(90_000);
    let server: TestServer;
    let call: AdminCall;
    before(async () => {
      server = await startTestServer(mode, { clients: [adminClient('every-route', ALL_ADMIN_SCOPES)] });
      call = adminCaller(server);
    });
    after(() => server.stop());

    it('A1: the documented routes are exactly the routes the router serves', async () => {
      const doc = (await (
        await fetch(new URL(`${ADMIN_PREFIX}/openapi.json`, server.url))
      ).json()) as OpenApi;
      const documented = new Set(
        Object.entries(doc.paths).flatMap(([p, ops]) =>
          Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
        ),
      );
      assert.deepEqual([...documented].sort(), [...servedRoutes(server)].sort());
    });

    it('A1: every path+method of the OpenAPI document, called with valid inputs, answers a documented status with a body of its schema', async () => {
      const token = await adminToken(server, 'every-route', ALL_ADMIN_SCOPES);
      const { sor } = server.services;
      const org = await sor.createOrg({ name: 'Fixture Org', plan: 'free', requireMfaForAllUsers: false });
      const member = await sor.createUser({ email: `fixture-${mode}@example.test`, passwordHash: 'x' });
      const clientId = `fixture-rp-${mode}`;
      const sso = { issuer: 'http://127.0.0.1:9/fixture', clientId: 'x', domains: ['fixture.test'] };
      const orgId = org.id;
      const userId = member.id;
      const { id: invitationId } = await sor.createInvitation({
        orgId,
        email: `invited-${mode}@example.test`,
        role: 'member',
        invitedBy: null,
        tokenHash: `fixture-${mode}`,
        expiresAt: new Date(Date.now() + 3_600_000),
      });
      // In call order: creations and reads first, removals last. Keyed by operationId.
      const inputs: Record<string, Input> = {
        listOrganizations: {},
        createOrganization: { body: { name: 'Created by the test' } },
        getOrganization: { params: { orgId } },
        updateOrganization: { params: { orgId }, body: { plan: 'paid' } },
        setSsoConnection: { params: { orgId }, body: sso },
        getSsoConnection: { params: { orgId } },
        listUsers: {},
        createUser: { body: { email: `created-${mode}@example.test`, password: 'a long and fine password' } },
        getUser: { params: { userId } },
        updateUser: { params: { userId }, body: { password: 'another long fine password' } },
        setMembership: { params: { orgId, userId }, body: { role: 'admin' } },
        listMembers: { params: { orgId } },
        createInvitation: { params: { orgId }, body: { email: `api-invited-${mode}@example.test` } },
        listInvitations: { params: { orgId } },
        resendInvitation: { params: { orgId, invitationId }, body: { locale: 'ja' } },
        revokeInvitation: { params: { orgId, invitationId } },
        previewEnforcement: { params: { orgId }, query: 'requireMfa=true&plan=paid' },
        listFactors: { params: { userId } },
        resetMfa: { params: { userId }, body: { reason: 'every-route test' } },
        listClients: {},
        createClient: { body: { client_id: clientId, redirect_uris: [RP_REDIRECT] } },
        getClient: { params: { clientId } },
        replaceClient: { params: { clientId }, body: { client_id: clientId, redirect_uris: [RP_REDIRECT] } },
        rotateClientSecret: { params: { clientId } },
        listAuditEvents: { query: `orgId=${orgId}&limit=5` },
        deleteClient: { params: { clientId } },
        removeSsoConnection: { params: { orgId } },
        removeMembership: { params: { orgId, userId } },
        deleteUser: { params: { userId } },
        deleteOrganization: { params: { orgId } },
      };
      const doc = (await (
        await fetch(new URL(`${ADMIN_PREFIX}/openapi.json`, server.url))
      ).json()) as OpenApi;
      const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ path, method, op })),
      );
      assert.deepEqual(
        operations.map((o) => o.op.operationId).sort(),
        Object.keys(inputs).sort(),
        'every documented operation has inputs in this test',
      );
      const byId = new Map(operations.map((o) => [o.op.operationId, o]));
      for (const [operationId, input] of Object.entries(inputs)) {
        const { path, method, op } = byId.get(operationId)!;
        const url =
          path.replace(/\{(\w+)\}/g, (_, p: string) => input.params?.[p] ?? '') +
          (input.query ? `?${input.query}` : '');
        const res = await call(token, method.toUpperCase(), url, input.body);
        const where = `${method.toUpperCase()} ${url}`;
        assert.ok(String(res.status) in op.responses, `${where}: ${res.status} is documented`);
        if (res.status >= 400) {
          assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/, where);
        }
        assert.ok(
          res.status < 300,
          `${where}: valid inputs succeed, got ${res.status} ${await res.clone().text()}`,
        );
        const schema = ADMIN_ROUTES.find((r) => r.operationId === operationId)?.responses[res.status]?.schema;
        if (schema) {
          const parsed = schema.safeParse(await res.json());
          assert.ok(
            parsed.success,
            `${where}: the body matches its documented schema ${parsed.error?.message ?? ''}`,
          );
        } else assert.equal(await res.text(), '', `${where}: no body`);
      }
    });

    it('A1: every documented route answers a problem+json 401 without a token, and 400 for an invalid path parameter', async () => {
      const doc = (await (
        await fetch(new URL(`${ADMIN_PREFIX}/openapi.json`, server.url))
      ).json()) as OpenApi;
      const token = await adminToken(server, 'every-route', ALL_ADMIN_SCOPES);
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          const url = path.replace(/\{(\w+)\}/g, 'not-an-id');
          const anonymous = await call(undefined, method.toUpperCase(), url);
          assert.equal(anonymous.status, 401, `${method} ${path}`);
          assert.match(anonymous.headers.get('content-type') ?? '', /application\/problem\+json/);
          if (!path.includes('{') || path.startsWith('/clients')) continue; // client ids are free text
          const bad = await call(
            token,
            method.toUpperCase(),
            url,
            method === 'get' || method === 'delete' ? undefined : {},
          );
          assert.equal(bad.status, 400, `${method} ${url}`);
          assert.ok('400' in op.responses);
          assert.match(bad.headers.get('content-type') ?? '', /application\/problem\+json/);
        }
      }
    });
  });
}
