// I2: `deadbolt client add` registers client_secret_post and private_key_jwt clients (with jwks or
// jwks_uri), and those clients sign in and refresh with openid-client.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { UsageError } from '../../src/cli/args.ts';
import { clientCommand } from '../../src/cli/clients.ts';
import type { ClientRegistry } from '../../src/oidc/client-registry.ts';
import { Browser } from '../support/browser.ts';
import { RelyingParty, signInWithPassword } from '../support/rp.ts';
import { RP_REDIRECT, startTestServer } from '../support/server.ts';

/** Runs the command in-process, returning what it printed. */
async function run(registry: ClientRegistry, argv: string[]): Promise<Record<string, unknown>> {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await clientCommand(registry, 'add', argv);
  } finally {
    process.stdout.write = write;
  }
  return JSON.parse(out);
}

describe('I2: client add with client_secret_post and private_key_jwt', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deadbolt-i2-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('I2: clients added by the CLI with each auth method sign in and refresh', async () => {
    const server = await startTestServer('embedded');
    const file = server.services.clients;
    const keys = await generateKeyPair('ES256', { extractable: true });
    const jwksFile = join(dir, 'jwks.json');
    await writeFile(
      jwksFile,
      JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), alg: 'ES256' }] }),
    );
    const common = ['--redirect-uri', RP_REDIRECT, '--first-party'];
    const post = await run(file, ['--id', 'cli-post', '--auth-method', 'client_secret_post', ...common]);
    assert.equal(post.token_endpoint_auth_method, 'client_secret_post');
    const jwt = await run(file, [
      '--id',
      'cli-jwt',
      '--auth-method',
      'private_key_jwt',
      '--jwks-file',
      jwksFile,
      ...common,
    ]);
    assert.equal(jwt.client_secret, undefined, 'no secret for private_key_jwt');
    try {
      await server.createUser('cli-rp@example.test', 'a long and correct password', { plan: 'free' });
      for (const rp of [
        await RelyingParty.discover(
          server.issuer,
          'cli-post',
          undefined,
          client.ClientSecretPost(String(post.client_secret)),
        ),
        await RelyingParty.discover(
          server.issuer,
          'cli-jwt',
          undefined,
          client.PrivateKeyJwt(keys.privateKey),
        ),
      ]) {
        const { tokens } = await signInWithPassword(
          new Browser(),
          rp,
          'cli-rp@example.test',
          'a long and correct password',
        );
        assert.ok((await client.refreshTokenGrant(rp.config, tokens.refresh_token!)).access_token);
      }
    } finally {
      await server.stop();
    }
  });

  it('I2: the CLI refuses private_key_jwt without keys, and a JWKS with a private key', async () => {
    const server = await startTestServer('embedded');
    try {
      const file = server.services.clients;
      const base = ['--redirect-uri', RP_REDIRECT, '--auth-method', 'private_key_jwt'];
      await assert.rejects(run(file, ['--id', 'no-keys', ...base]), UsageError);
      const keys = await generateKeyPair('ES256', { extractable: true });
      const privateFile = join(dir, 'private.json');
      await writeFile(privateFile, JSON.stringify({ keys: [await exportJWK(keys.privateKey)] }));
      await assert.rejects(
        run(file, ['--id', 'private', ...base, '--jwks-file', privateFile]),
        /public keys only/,
      );
    } finally {
      await server.stop();
    }
  });
});
