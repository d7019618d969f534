// E5: the example host of examples/existing-provider, installed with Deadbolt's packed tarball in a
// directory outside the repository, and started on a free port with createHost()'s options.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Koa from 'koa';
import type { DeadboltUsers } from '../../src/extension/users.ts';
import type { MfaPolicy } from '../../src/mfa/policy.ts';
import { type Browser, type Page, textOf } from './browser.ts';
import { installInto, packDeadbolt, REPO } from './package.ts';
import { isCallback } from './rp.ts';
import { freePort, RP_REDIRECT } from './server.ts';

export const EXAMPLE = join(REPO, 'examples/existing-provider');
export const ALICE = { email: 'alice@acme.example', password: 'alice password' }; // her company pays
export const BOB = { email: 'bob@tiny.example', password: 'bob password' }; // his does not

export interface HostModule {
  createHost(options: object): Promise<{ app: Koa; users: DeadboltUsers; close(): Promise<void> }>;
}
export interface UsersModule {
  setPaying(id: string, paying: boolean): void;
  setRememberDays(company: string, days: number): void;
}

/** The example, copied out of the repository with Deadbolt's tarball as its dependency, installed. */
export async function installExample(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'deadbolt-example-'));
  for (const f of await readdir(EXAMPLE))
    if (f.endsWith('.js')) await copyFile(join(EXAMPLE, f), join(dir, f));
  const pkg = JSON.parse(await readFile(join(EXAMPLE, 'package.json'), 'utf8'));
  pkg.dependencies.deadbolt = `file:${await packDeadbolt()}`;
  await writeFile(join(dir, 'package.json'), JSON.stringify(pkg));
  await installInto(dir, []);
  return dir;
}

/** From the host's own sign-in page: the e-mail and password, then wherever that leads. */
export function hostPassword(browser: Browser, page: Page, who: { email: string; password: string }) {
  assert.match(page.text, /Sign in to Example/, `the host's own page: ${textOf(page.text).slice(0, 200)}`);
  return browser.submit(page, who, /\/login$/, isCallback);
}

export const CLIENTS = [
  {
    client_id: 'first-party-app',
    redirect_uris: [RP_REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
  },
];

/** The example host on a free port, with these options of createHost() (stores, policy, pages…). */
export async function startHost(
  host: HostModule,
  options: { stores: object; policy?: MfaPolicy; settings?: object; pages?: object },
) {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const running = await host.createHost({
    issuer,
    cookieKeys: [randomBytes(32).toString('hex')],
    clients: CLIENTS,
    ...options,
    settings: {
      LOG_LEVEL: 'silent',
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_QUERY_TIMEOUT_MS: '2000',
      ...options.settings,
    },
  });
  const server = createServer(running.app.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, issuer, running };
}
