// W1, X4: the passkeys' relying party comes from configuration — RP ID and origins default from
// ISSUER, and a value that could never work is refused at start with a message naming it.
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/index.ts';

const BASE = { NODE_ENV: 'test', DATA_DIR: ':memory:' };

async function rejectsNaming(env: Record<string, string>, variable: string): Promise<void> {
  await assert.rejects(loadConfig({ ...BASE, ...env }), (err: unknown) => {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.ok(err.message.includes(variable), `"${err.message}" names ${variable}`);
    return true;
  });
}

describe('Passkey configuration (W1, X4)', () => {
  it('W1: the RP ID and origins default from ISSUER; the challenge lives 5 minutes; attestation none', async () => {
    const config = await loadConfig({ ...BASE, ISSUER: 'https://id.example.com/tenant' });
    assert.deepEqual(config.webauthn, {
      rpId: 'id.example.com',
      origins: ['https://id.example.com'],
      challengeTtlSeconds: 300,
      attestation: 'none',
    });
  });

  it('W1: a registrable suffix serves several origins', async () => {
    const config = await loadConfig({
      ...BASE,
      ISSUER: 'https://login.example.com',
      WEBAUTHN_RP_ID: 'Example.com',
      WEBAUTHN_ORIGINS: 'https://login.example.com, https://id.example.com',
      WEBAUTHN_CHALLENGE_TTL_SECONDS: '120',
    });
    assert.equal(config.webauthn.rpId, 'example.com');
    assert.deepEqual(config.webauthn.origins, ['https://login.example.com', 'https://id.example.com']);
    assert.equal(config.webauthn.challengeTtlSeconds, 120);
  });

  it("X4: an RP ID that is not the origins' host or suffix, a plain-http origin, a path or a bad TTL stop the start", async () => {
    await rejectsNaming(
      { ISSUER: 'https://login.example.com', WEBAUTHN_RP_ID: 'other.test' },
      'WEBAUTHN_RP_ID',
    );
    await rejectsNaming(
      { ISSUER: 'https://login.example.com', WEBAUTHN_RP_ID: 'ample.com' },
      'WEBAUTHN_RP_ID',
    );
    await rejectsNaming({ WEBAUTHN_ORIGINS: 'http://login.example.com' }, 'WEBAUTHN_ORIGINS');
    await rejectsNaming({ WEBAUTHN_ORIGINS: 'https://login.example.com/path' }, 'WEBAUTHN_ORIGINS');
    await rejectsNaming({ WEBAUTHN_ORIGINS: 'not a url' }, 'WEBAUTHN_ORIGINS');
    await rejectsNaming({ WEBAUTHN_CHALLENGE_TTL_SECONDS: '0' }, 'WEBAUTHN_CHALLENGE_TTL_SECONDS');
    await rejectsNaming({ WEBAUTHN_ATTESTATION: 'enterprise' }, 'WEBAUTHN_ATTESTATION');
  });

  it('W1: http://localhost is allowed for development', async () => {
    const config = await loadConfig({ ...BASE, ISSUER: 'http://localhost:3000' });
    assert.deepEqual(config.webauthn.origins, ['http://localhost:3000']);
    assert.equal(config.webauthn.rpId, 'localhost');
  });
});
