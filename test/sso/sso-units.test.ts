// Units of enterprise SSO: what the upstream's amr means (F2, L4), the session mark that carries
// "signed in through organization X's SSO" to every decision (P2), and connection settings.
import assert from 'node:assert/strict';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { parseSealingKeys } from '../../src/crypto/sealed.ts';
import { federatedAmr, upstreamDidMfa } from '../../src/sso/amr.ts';
import { createSsoMarks } from '../../src/sso/session-mark.ts';
import {
  buildSettings,
  clientSecretOf,
  domainOf,
  normalizeDomains,
  normalizeScopes,
  publicSettings,
  SsoSettingsError,
} from '../../src/sso/settings.ts';
import { createMemoryStore } from '../../src/store/ephemeral/memory.ts';

describe('SSO: upstream amr (F2, L4)', () => {
  it('F2: MFA is `mfa`, or methods of two different factor categories', () => {
    for (const amr of [['mfa'], ['pwd', 'otp'], ['pin', 'hwk'], ['fpt', 'sc'], ['pwd', 'sms', 'mca']]) {
      assert.equal(upstreamDidMfa(amr), true, amr.join(','));
    }
    for (const amr of [
      undefined,
      [],
      ['pwd'],
      ['otp'],
      ['pwd', 'pin'],
      ['otp', 'hwk'],
      ['fed', 'x'],
      'mfa',
    ]) {
      assert.equal(upstreamDidMfa(amr), false, JSON.stringify(amr));
    }
  });

  it('L4: our amr is fed + the registered upstream values, without mfa and unregistered ones', () => {
    assert.deepEqual(federatedAmr(['pwd', 'otp', 'mfa', 'custom', 'fed', 'pwd']), ['fed', 'pwd', 'otp']);
    assert.deepEqual(federatedAmr(undefined), ['fed']);
    assert.deepEqual(federatedAmr([1, 'hwk']), ['fed', 'hwk']);
  });
});

describe('SSO: the session mark (P2)', () => {
  const config = { ttl: { sessionMfa: 100, sessionPassword: 50, refreshToken: 200 } } as const;
  const eph = createMemoryStore();
  const marks = createSsoMarks(eph.kv, config as never);
  const resume = (uid: string, result: unknown) =>
    ({ oidc: { result, session: { uid } } }) as unknown as KoaContextWithOIDC;
  const sso = { orgId: 'org-1', issuer: 'https://idp.test', upstreamMfa: true };
  after(() => eph.close());

  it('P2: an SSO sign-in is marked on its session and read back for the same account with fed', async () => {
    await marks.record(resume('s1', { login: { accountId: 'u1', amr: ['fed', 'pwd'] }, sso }));
    assert.deepEqual(await marks.read('s1', 'u1', ['fed', 'pwd']), { ssoOrgId: 'org-1', upstreamMfa: true });
    assert.deepEqual(await marks.read('s1', 'u2', ['fed', 'pwd']), {}, 'another account');
    assert.deepEqual(await marks.read('s1', 'u1', ['pwd']), {}, 'amr without fed');
    assert.deepEqual(await marks.read(undefined, 'u1', ['fed']), {});
    assert.ok((await eph.kv.ttl('sso:session:s1'))! > 100, 'as long as a refresh token may ask');
  });

  it('P2: our MFA step after the SSO sign-in keeps the mark; a password re-login drops it', async () => {
    await marks.record(resume('s2', { login: { accountId: 'u1', amr: ['fed'] }, sso }));
    await marks.record(resume('s2', { login: { accountId: 'u1', amr: ['fed', 'otp', 'mfa'] } }));
    assert.equal((await marks.read('s2', 'u1', ['fed', 'otp', 'mfa'])).ssoOrgId, 'org-1');
    await marks.record(resume('s2', { login: { accountId: 'u1', amr: ['pwd'] } }));
    assert.equal(await eph.kv.get('sso:session:s2'), undefined, 'prompt=login with a password');
    assert.deepEqual(await marks.read('s2', 'u1', ['fed']), {});
  });

  it('P2: requests without a sign-in result, or with a malformed sso entry, record nothing', async () => {
    await marks.record(resume('s3', undefined));
    await marks.record(resume('s3', { consent: {} }));
    await marks.record(resume('s3', { login: { accountId: 'u1', amr: ['fed'] }, sso: { orgId: 1 } }));
    assert.equal(await eph.kv.get('sso:session:s3'), undefined);
    await eph.kv.set('sso:session:s4', 'not json', 10);
    assert.deepEqual(await marks.read('s4', 'u1', ['fed']), {});
  });
});

describe('SSO: connection settings', () => {
  const keys = parseSealingKeys(`k1:${Buffer.alloc(32, 7).toString('base64url')}`);
  const config = {
    factorKeys: keys,
    sso: { allowHttp: false, discoveryTtlSeconds: 1, httpTimeoutSeconds: 1 },
  };

  it('domains are lower-case, unique and valid; scopes always carry openid and email', () => {
    assert.deepEqual(normalizeDomains(' Acme.TEST, @b.example ,acme.test'), ['acme.test', 'b.example']);
    for (const bad of ['', 'no_underscore.test', 'localhost', 'a..b', '-a.test']) {
      assert.throws(() => normalizeDomains(bad), SsoSettingsError, bad);
    }
    assert.equal(normalizeScopes('profile'), 'openid profile email');
    assert.equal(domainOf('Ann@Acme.Test'), 'acme.test');
    assert.equal(domainOf('nodomain@'), undefined);
  });

  it('T4: the secret is sealed for its organization and never in the public view; https unless allowed', () => {
    const input = { issuer: 'https://idp.test/', clientId: 'c', clientSecret: 's3cret', domains: 'a.test' };
    const sso = buildSettings(config, 'org-1', input, null);
    assert.equal(sso.issuer, 'https://idp.test');
    assert.ok(sso.clientSecretEnc && !sso.clientSecretEnc.includes('s3cret'));
    assert.equal(clientSecretOf(config, 'org-1', sso), 's3cret');
    assert.throws(() => clientSecretOf(config, 'org-2', sso), /does not authenticate/);
    assert.doesNotMatch(JSON.stringify(publicSettings({ ssoEnforced: true, sso })), /s3cret|v1\./);
    const kept = buildSettings(config, 'org-1', { ...input, clientSecret: undefined }, sso);
    assert.equal(kept.clientSecretEnc, sso.clientSecretEnc, 'no new secret keeps the old one');
    assert.equal(buildSettings(config, 'org-1', { ...input, clientSecret: null }, sso).clientSecretEnc, null);
    assert.throws(() => buildSettings(config, 'o', { ...input, issuer: 'http://idp.test' }, null), /https/);
    assert.throws(
      () => buildSettings(config, 'o', { ...input, issuer: 'https://idp.test/?a=1' }, null),
      /query/,
    );
  });
});
