// A1: an organization's SSO connection through the admin API (GET/PUT/DELETE
// /admin/v1/organizations/{orgId}/sso), on the code the CLI `deadbolt sso` uses: the client secret is
// write-only (sealed at rest, never answered), a changed issuer deletes the SSO links, bad settings
// are 400 and a taken domain 409 (problem details), scopes and organization limits apply.
import assert from 'node:assert/strict';
import { dumpDatabase } from '../support/dump.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';
import { type AdminCall, adminCaller, adminClient, adminToken, type ProblemBody } from './support.ts';

const UPSTREAM_SECRET = 'upstream-client-secret-never-shown-0123456789';
const settings = (issuer: string, domain: string, extra: object = {}) => ({
  issuer,
  clientId: 'deadbolt-at-upstream',
  clientSecret: UPSTREAM_SECRET,
  domains: [domain],
  ...extra,
});

for (const mode of STORE_MODES) {
  describe(`A1: SSO connections through the admin API (${mode})`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let call: AdminCall;
    let rw: string;
    const limitedOrg = '00000000-0000-4000-8000-0000000000aa';
    before(async () => {
      server = await startTestServer(mode, {
        clients: [
          adminClient('sso-rw', 'admin:read admin:write'),
          adminClient('sso-ro', 'admin:read'),
          adminClient('sso-limited', 'admin:read admin:write', { admin_org_ids: [limitedOrg] }),
        ],
      });
      call = adminCaller(server);
      rw = await adminToken(server, 'sso-rw', 'admin:read admin:write');
    });
    after(() => server.stop());

    const newOrg = async (name: string) =>
      ((await (await call(rw, 'POST', '/organizations', { name })).json()) as { id: string }).id;

    it('A1: PUT sets the connection, GET reads it back, the secret is never answered and sealed at rest, DELETE removes it', async () => {
      const orgId = await newOrg('SSO Co');
      const put = await call(rw, 'PUT', `/organizations/${orgId}/sso`, {
        ...settings('http://127.0.0.1:9/realms/sso-co', 'sso-co.test'),
        enforced: true,
      });
      assert.equal(put.status, 200, await put.clone().text());
      const putText = await put.text();
      assert.ok(!putText.includes(UPSTREAM_SECRET), 'the secret is not in the answer');
      const shown = JSON.parse(putText) as Record<string, unknown>;
      assert.equal(shown.issuer, 'http://127.0.0.1:9/realms/sso-co');
      assert.equal(shown.hasClientSecret, true);
      assert.equal(shown.enforced, true);
      assert.deepEqual(shown.domains, ['sso-co.test']);
      assert.equal(shown.redirectUri, `${server.issuer}/sso/callback`);
      assert.equal(shown.status, 'broken', 'nothing answers at the upstream: reported, with a reason');
      assert.ok(shown.reason);

      const get = await call(rw, 'GET', `/organizations/${orgId}/sso`);
      assert.equal(get.status, 200);
      const getText = await get.text();
      assert.ok(!getText.includes(UPSTREAM_SECRET));
      assert.equal((JSON.parse(getText) as { clientId: string }).clientId, 'deadbolt-at-upstream');
      const dump = await dumpDatabase(server.services.sor);
      assert.ok(!dump.includes(UPSTREAM_SECRET), 'the secret is in no row in the clear');
      assert.equal((await server.services.sor.findOrgById(orgId))?.ssoEnforced, true);
      const events = await server.services.sor.listAudit({ orgId });
      assert.ok(events.some((e) => e.action === 'sso.configured' && e.actorLabel === 'client:sso-rw'));

      // Absent clientSecret keeps the stored one; null makes the client public.
      const kept = await call(rw, 'PUT', `/organizations/${orgId}/sso`, {
        ...settings('http://127.0.0.1:9/realms/sso-co', 'sso-co.test'),
        clientSecret: undefined,
      });
      assert.equal(((await kept.json()) as { hasClientSecret: boolean }).hasClientSecret, true);
      const pub = await call(rw, 'PUT', `/organizations/${orgId}/sso`, {
        ...settings('http://127.0.0.1:9/realms/sso-co', 'sso-co.test'),
        clientSecret: null,
      });
      assert.equal(((await pub.json()) as { hasClientSecret: boolean }).hasClientSecret, false);

      assert.equal((await call(rw, 'DELETE', `/organizations/${orgId}/sso`)).status, 204);
      const gone = await call(rw, 'GET', `/organizations/${orgId}/sso`);
      assert.equal(gone.status, 404);
      assert.match(gone.headers.get('content-type') ?? '', /application\/problem\+json/);
      const org = await server.services.sor.findOrgById(orgId);
      assert.equal(org?.sso, null);
      assert.equal(org?.ssoEnforced, false, 'enforcement goes with the connection');
      assert.equal((await call(rw, 'DELETE', `/organizations/${orgId}/sso`)).status, 404);
    });

    it('A1: a changed issuer deletes the SSO links (same code as the CLI); bad settings are 400, a domain of another organization 409', async () => {
      const { sor } = server.services;
      const orgId = await newOrg('Linked Co');
      const body = settings('http://127.0.0.1:9/a', 'linked.test');
      assert.equal((await call(rw, 'PUT', `/organizations/${orgId}/sso`, body)).status, 200);
      const userId = await server.createUser(`linked-${mode}@linked.test`, 'a long and correct password');
      await sor.createSsoLink({ issuer: body.issuer, subject: 'sub-1', orgId, userId });
      await call(rw, 'PUT', `/organizations/${orgId}/sso`, { ...body, clientSecret: 'another-secret' });
      assert.ok(await sor.findSsoLink(body.issuer, 'sub-1'), 'same issuer and client: the link stays');
      await call(rw, 'PUT', `/organizations/${orgId}/sso`, { ...body, issuer: 'http://127.0.0.1:9/b' });
      assert.equal(await sor.findSsoLink(body.issuer, 'sub-1'), undefined, 'a new issuer starts over');

      for (const bad of [
        { ...body, issuer: 'ftp://idp.test' },
        { ...body, domains: ['not a domain'] },
        { ...body, domains: [] },
        { ...body, clientId: '' },
        { ...body, surprise: true },
      ]) {
        const res = await call(rw, 'PUT', `/organizations/${orgId}/sso`, bad);
        assert.equal(res.status, 400, JSON.stringify(bad));
        const p = (await res.json()) as ProblemBody;
        assert.equal(p.status, 400);
        assert.ok(p.detail);
      }
      const other = await newOrg('Other Co');
      const taken = await call(
        rw,
        'PUT',
        `/organizations/${other}/sso`,
        settings('http://127.0.0.1:9/c', 'linked.test'),
      );
      assert.equal(taken.status, 409);
      assert.match(((await taken.json()) as ProblemBody).detail, /linked\.test/);
      const missing = await call(rw, 'PUT', `/organizations/${limitedOrg}/sso`, body);
      assert.equal(missing.status, 404);
    });

    it('A1: SSO read needs admin:read, set and remove admin:write; a limited client cannot touch another organization', async () => {
      const orgId = await newOrg('Scoped Co');
      const body = settings('http://127.0.0.1:9/s', 'scoped.test');
      const ro = await adminToken(server, 'sso-ro', 'admin:read');
      assert.equal((await call(ro, 'PUT', `/organizations/${orgId}/sso`, body)).status, 403);
      assert.equal((await call(rw, 'PUT', `/organizations/${orgId}/sso`, body)).status, 200);
      assert.equal((await call(ro, 'GET', `/organizations/${orgId}/sso`)).status, 200);
      assert.equal((await call(ro, 'DELETE', `/organizations/${orgId}/sso`)).status, 403);
      const limited = await adminToken(server, 'sso-limited', 'admin:read admin:write');
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await call(
          limited,
          method,
          `/organizations/${orgId}/sso`,
          method === 'PUT' ? body : undefined,
        );
        assert.equal(res.status, 403, method);
        assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      }
      assert.ok((await server.services.sor.findOrgById(orgId))?.sso, 'still connected');
    });
  });
}
