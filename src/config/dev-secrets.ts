// Development secrets: generated on first start and persisted under DATA_DIR so sessions and
// enrolled factors survive a restart of `npm start`. Production must supply its own (index.ts).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'oidc-provider';

export interface DevSecrets {
  cookieKeys: string[];
  factorKeys: string;
  jwks: { keys: JWK[] };
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

export async function generateJwks(): Promise<{ keys: JWK[] }> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return { keys: [{ ...jwk, kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' } as JWK] };
}

function generateSecrets(): Omit<DevSecrets, 'jwks'> {
  return {
    cookieKeys: [randomBytes(32).toString('base64url')],
    factorKeys: `dev1:${randomBytes(32).toString('base64url')}`,
  };
}

export async function loadDevSecrets(opts: {
  dataDir: string;
  jwksFile: string | undefined;
  generate: boolean;
}): Promise<DevSecrets> {
  const { dataDir, jwksFile, generate } = opts;
  const memory = dataDir === ':memory:';
  let jwks: { keys: JWK[] } | undefined;
  const jwksPath = jwksFile ?? (memory ? undefined : join(dataDir, 'jwks.json'));
  if (jwksPath) jwks = await readJson<{ keys: JWK[] }>(jwksPath);
  if (jwks && (!Array.isArray(jwks.keys) || jwks.keys.length === 0 || !jwks.keys.every((k) => k.d))) {
    throw new Error(`JWKS_FILE ${jwksPath}: expected {"keys":[…]} with private signing keys`);
  }
  if (!jwks) {
    if (!generate) throw new Error(`JWKS_FILE ${jwksPath ?? '(unset)'} does not exist`);
    jwks = await generateJwks();
    if (jwksPath) {
      await mkdir(dataDir, { recursive: true });
      await writeFile(jwksPath, JSON.stringify(jwks, null, 2), { mode: 0o600 });
    }
  }
  if (!generate) return { cookieKeys: [], factorKeys: '', jwks };
  if (memory) return { ...generateSecrets(), jwks };
  const file = join(dataDir, 'dev-secrets.json');
  let secrets = await readJson<Omit<DevSecrets, 'jwks'>>(file);
  if (!secrets) {
    secrets = generateSecrets();
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return { ...secrets, jwks };
}
