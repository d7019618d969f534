// I5: step-up for APIs. With a resource indicator (RFC 8707) the client gets a JWT access token
// for the API carrying acr, amr and auth_time; the API (a node:http server and a koa app in the
// test, using src/api/step-up.ts) refuses a password-only token with RFC 9470's
// insufficient_user_authentication challenge; the client (openid-client) steps up with the
// challenge's acr_values / max_age and the same resource; the API accepts the new token.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import Koa from 'koa';
import { stepUpKoa, stepUpNode } from '../../src/api/step-up.ts';
import { ACR_MFA, ACR_PASSWORD } from '../../src/oidc/acr.ts';
import { Browser, textOf } from '../support/browser.ts';
import {
  appCode,
  backupCodesFromPage,
  finishFromCodesPage,
  isEnrollment,
  secretFromPage,
} from '../support/mfa.ts';
import { open, RelyingParty, signInWithPassword, submitPassword } from '../support/rp.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const API = 'https://api.example.test';
const MAX_AGE = 3;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Calls the API with a bearer token; returns the status and the parsed challenge, if any. */
async function callApi(url: string, token: string) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const challenge = res.headers.get('www-authenticate') ?? '';
  const params = Object.fromEntries(
    [...challenge.matchAll(/(\w+)=(?:"([^"]*)"|(\d+))/g)].map((m) => [m[1], m[2] ?? m[3]]),
  );
  return { status: res.status, challenge, params, body: await res.text() };
}

for (const mode of STORE_MODES) {
  describe(`I5: step-up for APIs (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    let rp: RelyingParty;
    let mfaApi: Server;
    let freshApi: Server;
    let mfaUrl: string;
    let freshUrl: string;
    let n = 0;

    before(async () => {
      server = await startTestServer(mode, {
        env: {
          RESOURCE_SERVERS: JSON.stringify([{ resource: API, scope: 'read write', accessTokenTTL: 600 }]),
        },
      });
      rp = await RelyingParty.discover(server.issuer);
      const check = { issuer: server.issuer, audience: API };
      // The API of a plain node:http server: this route needs MFA.
      const needMfa = stepUpNode({ ...check, acr: ACR_MFA });
      mfaApi = createServer((req: IncomingMessage & { accessToken?: { sub?: string } }, res) =>
        needMfa(req, res, () => res.end(JSON.stringify({ sub: req.accessToken?.sub }))),
      );
      mfaUrl = `${await listen(mfaApi)}/payments`;
      // The API of a koa app: this route needs an authentication at most MAX_AGE seconds old.
      const app = new Koa();
      app.use(stepUpKoa({ ...check, maxAge: MAX_AGE, clockTolerance: 0 }));
      app.use((ctx) => {
        ctx.body = { ok: true };
      });
      freshApi = createServer(app.callback());
      freshUrl = `${await listen(freshApi)}/profile`;
    });
    after(async () => {
      await server?.stop();
      mfaApi?.close();
      freshApi?.close();
    });

    const params = { scope: 'openid email read', resource: API };

    it('I5: a password-only token for the API is refused with insufficient_user_authentication and acr_values; after a step-up with acr_values and the same resource the API accepts', async () => {
      const email = `user${++n}@example.test`;
      const id = await server.createUser(email, PASSWORD, { plan: 'free' });
      const browser = new Browser();
      const first = await signInWithPassword(browser, rp, email, PASSWORD, params);
      const at = decodeJwt(first.tokens.access_token);
      assert.equal(at.aud, API, 'a JWT access token for the API');
      assert.equal(at.acr, ACR_PASSWORD);
      assert.deepEqual(at.amr, ['pwd']);
      assert.equal(typeof at.auth_time, 'number');
      assert.equal(at.scope, 'read', 'only the API scope that was asked');

      const refused = await callApi(mfaUrl, first.tokens.access_token);
      assert.equal(refused.status, 401);
      assert.equal(refused.params.error, 'insufficient_user_authentication', refused.challenge);
      assert.equal(refused.params.acr_values, ACR_MFA);
      assert.ok(refused.params.error_description);

      // The client steps up with what the challenge said; the user adds an app (P5/P6).
      const auth = await rp.authorize({ ...params, acr_values: refused.params.acr_values });
      const confirm = await open(browser, auth);
      assert.match(confirm.text, /name="password"/, 'adding a method starts with the password (G5)');
      const page = await browser.submit(confirm, { password: PASSWORD });
      assert.ok(isEnrollment(page), textOf(page.text).slice(0, 200));
      const codes = await browser.submit(page, { code: await appCode(secretFromPage(page)) }, /confirm$/);
      backupCodesFromPage(codes);
      const done = await finishFromCodesPage(browser, codes);
      assert.equal(done.status, 0);
      const stepped = await rp.callback(done.url, auth);
      const at2 = decodeJwt(stepped.access_token);
      assert.equal(at2.acr, ACR_MFA);
      assert.ok((at2.amr as string[]).includes('mfa'));
      const accepted = await callApi(mfaUrl, stepped.access_token);
      assert.equal(accepted.status, 200, accepted.challenge);
      assert.equal(JSON.parse(accepted.body).sub, id);
    });

    it('I5: a token whose authentication is older than max_age is refused with max_age; a fresh sign-in with max_age is accepted; no or a forged token is invalid_token', async () => {
      const email = `user${++n}@example.test`;
      await server.createUser(email, PASSWORD, { plan: 'free' });
      const browser = new Browser();
      const first = await signInWithPassword(browser, rp, email, PASSWORD, params);
      assert.equal((await callApi(freshUrl, first.tokens.access_token)).status, 200, 'fresh enough now');
      await new Promise((r) => setTimeout(r, (MAX_AGE + 1) * 1000));
      const refused = await callApi(freshUrl, first.tokens.access_token);
      assert.equal(refused.status, 401);
      assert.equal(refused.params.error, 'insufficient_user_authentication', refused.challenge);
      assert.equal(refused.params.max_age, String(MAX_AGE));

      const auth = await rp.authorize({ ...params, max_age: refused.params.max_age });
      const page = await open(browser, auth);
      const done = await submitPassword(browser, page, email, PASSWORD);
      assert.equal(done.status, 0, textOf(done.text).slice(0, 200));
      const again = await rp.callback(done.url, auth, { maxAge: MAX_AGE });
      assert.equal((await callApi(freshUrl, again.access_token)).status, 200);

      const none = await fetch(freshUrl);
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
      const forged = `${again.access_token.slice(0, -4)}AAAA`;
      assert.equal((await callApi(mfaUrl, forged)).params.error, 'invalid_token');
    });

    it('I5: a resource that is not configured is refused (invalid_target), not a 500', async () => {
      const browser = new Browser();
      const auth = await rp.authorize({ ...params, resource: 'https://other.example.test' });
      const page = await open(browser, auth);
      assert.equal(page.status, 0);
      assert.equal(new URL(page.url).searchParams.get('error'), 'invalid_target');
    });
  });
}
