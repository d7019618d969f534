// A1: behaviours of the admin router: the per-client rate limit (429 problem+json with
// Retry-After, exact under 60 parallel calls), audit cursor paging (every event once, in order),
// and a client whose admin scope is removed loses access at once (its live token included).
import assert from 'node:assert/strict';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';
import {
  type AdminCall,
  ALL_ADMIN_SCOPES,
  adminCaller,
  adminClient,
  adminToken,
  type ProblemBody,
} from './support.ts';

const LIMIT = 5;

for (const mode of STORE_MODES) {
  describe(`A1: admin router behaviours (${mode})`, function () {
    this.timeout(90_000);
    let server: TestServer;
    let limited: TestServer;
    let call: AdminCall;
    before(async () => {
      const clients = [adminClient('router-rw', ALL_ADMIN_SCOPES), adminClient('router-other', 'admin:read')];
      server = await startTestServer(mode, { clients });
      limited = await startTestServer(mode, { clients, env: { ADMIN_RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
      call = adminCaller(server);
    });
    after(async () => {
      await server.stop();
      await limited.stop();
    });

    it('A1: 60 parallel calls of one client with ADMIN_RATE_LIMIT_PER_MINUTE=5: exactly 5 answered, the rest 429 problem+json with Retry-After; another client is unaffected', async () => {
      const token = await adminToken(limited, 'router-rw', 'admin:read');
      const limitedCall = adminCaller(limited);
      const answers = await Promise.all(
        Array.from({ length: 60 }, () => limitedCall(token, 'GET', '/organizations')),
      );
      const ok = answers.filter((r) => r.status === 200);
      const refused = answers.filter((r) => r.status === 429);
      assert.equal(ok.length, LIMIT);
      assert.equal(refused.length, 60 - LIMIT);
      const r = refused[0];
      assert.match(r.headers.get('content-type') ?? '', /application\/problem\+json/);
      const retryAfter = Number(r.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${r.headers.get('retry-after')}`);
      const p = (await r.json()) as ProblemBody;
      assert.equal(p.status, 429);
      assert.match(p.type, /rate_limited$/);
      const other = await adminToken(limited, 'router-other', 'admin:read');
      assert.equal((await limitedCall(other, 'GET', '/organizations')).status, 200, 'per client');
    });

    it('A1: audit cursor paging: following nextCursor returns every event once, newest first, same as one big page', async () => {
      const token = await adminToken(server, 'router-rw', ALL_ADMIN_SCOPES);
      const org = (await (await call(token, 'POST', '/organizations', { name: 'Paged' })).json()) as {
        id: string;
      };
      for (let i = 0; i < 12; i++)
        await call(token, 'PATCH', `/organizations/${org.id}`, { name: `Paged ${i}` });
      type Page = {
        items: { id: string; at: string; details: { name?: string } }[];
        nextCursor: string | null;
      };
      const all = (await (
        await call(token, 'GET', `/audit-events?orgId=${org.id}&limit=200`)
      ).json()) as Page;
      assert.equal(all.items.length, 13, 'created + 12 updates');
      assert.equal(all.nextCursor, null);
      assert.equal(all.items[0].details.name, 'Paged 11', 'newest first');
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q = `/audit-events?orgId=${org.id}&limit=5${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await call(token, 'GET', q);
        assert.equal(res.status, 200);
        const page = (await res.json()) as Page;
        assert.ok(page.items.length <= 5);
        seen.push(...page.items.map((e) => e.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      assert.equal(pages, 3);
      assert.deepEqual(
        seen,
        all.items.map((e) => e.id),
        'every event once, in order',
      );
      const bad = await call(token, 'GET', '/audit-events?cursor=bm90LWEtY3Vyc29y');
      assert.equal(bad.status, 400);
      assert.match(bad.headers.get('content-type') ?? '', /application\/problem\+json/);
    });

    it('A1: removing an admin scope from a client (client update) takes effect at once, on a token already issued', async () => {
      const token = await adminToken(server, 'router-rw', ALL_ADMIN_SCOPES);
      const id = `integration-${mode}`;
      const created = await call(token, 'POST', '/clients', {
        client_id: id,
        grant_types: ['client_credentials'],
        scope: 'admin:read admin:write',
      });
      assert.equal(created.status, 201, await created.clone().text());
      const secret = ((await created.json()) as { client_secret: string }).client_secret;
      const theirs = await adminTokenWith(server, id, secret, 'admin:read admin:write');
      const theirCall = (m: string, p: string, b?: unknown) => call(theirs, m, p, b);
      assert.equal((await theirCall('POST', '/organizations', { name: 'Before' })).status, 201);

      const narrowed = await call(token, 'PUT', `/clients/${id}`, {
        client_id: id,
        grant_types: ['client_credentials'],
        scope: 'admin:read',
      });
      assert.equal(narrowed.status, 200);
      const denied = await theirCall('POST', '/organizations', { name: 'After' });
      assert.equal(denied.status, 403, 'admin:write is gone at once');
      assert.match(denied.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal((await theirCall('GET', '/organizations')).status, 200, 'admin:read stays');

      await call(token, 'PUT', `/clients/${id}`, { client_id: id, grant_types: ['client_credentials'] });
      assert.equal((await theirCall('GET', '/organizations')).status, 403, 'no admin scope: no access');
    });
  });
}

async function adminTokenWith(server: TestServer, id: string, secret: string, scope: string) {
  const client = await import('openid-client');
  const config = await client.discovery(new URL(server.issuer), id, secret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  return (await client.clientCredentialsGrant(config, { scope })).access_token;
}
