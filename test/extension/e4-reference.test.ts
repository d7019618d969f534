// E4: the reference server is built on the public API — its provider configuration comes from
// configure() and its MFA pages from routes(), through src/index.ts, so the two faces cannot drift.
// Checked on the sources (value imports; type-only imports vanish at run time) and at run time.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO } from '../support/package.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const REFERENCE = ['src/main.ts', 'src/server.ts', 'src/app.ts', 'src/oidc/provider.ts'];
const CORE =
  /^src\/(extension|interactions\/mfa|mfa)\/|^src\/oidc\/(interaction-policy|mfa-gate)\.ts$|^src\/core\/decision\.ts$/;

async function valueImports(file: string): Promise<string[]> {
  const source = await readFile(join(REPO, file), 'utf8');
  const specifiers = [...source.matchAll(/^(?:import|export)\s+(?!type\s)[^'"]*?from\s+'([^']+)'/gm)].map(
    (m) => m[1],
  );
  return specifiers
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(REPO, resolve(dirname(join(REPO, file)), s)).replaceAll('\\', '/'));
}

describe('E4: the reference server is built on the public API', function () {
  this.timeout(30_000);

  it('E4: main, server, app and the provider configuration import the MFA core only through src/index.ts', async () => {
    const all = new Map<string, string[]>();
    for (const file of REFERENCE) all.set(file, await valueImports(file));
    for (const [file, imports] of all) {
      const core = imports.filter((i) => CORE.test(i));
      assert.deepEqual(core, [], `${file} imports the core directly`);
    }
    assert.ok(all.get('src/app.ts')?.includes('src/index.ts'), 'app.ts composes Deadbolt from src/index.ts');
  });

  describe('at run time', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer('embedded');
    });
    after(() => server?.stop());

    it("E4: the reference provider's configuration is configure()'s: mfa after login, acr/amr claims, Deadbolt's acr values", async () => {
      const discovery = (await (
        await fetch(new URL('/.well-known/openid-configuration', server.issuer))
      ).json()) as {
        claims_supported: string[];
        acr_values_supported: string[];
      };
      for (const claim of ['acr', 'amr', 'auth_time'])
        assert.ok(discovery.claims_supported.includes(claim), claim);
      assert.ok(discovery.acr_values_supported.includes('urn:deadbolt:acr:mfa'));
    });
  });
});
