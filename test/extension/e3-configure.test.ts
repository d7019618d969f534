// E3: configure() augments a host's provider configuration instead of replacing it, and refuses,
// with a clear message, what it cannot honour. Checked on the configuration object and on a real
// Provider built from it (its discovery document and interaction URLs).
import assert from 'node:assert/strict';
import Provider, { type Configuration, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import {
  createDeadbolt,
  type Deadbolt,
  DeadboltConfigurationError,
  type HostOrganization,
} from '../../src/index.ts';

const host = (extra: Partial<Configuration> = {}): Configuration => ({
  clients: [{ client_id: 'app', redirect_uris: ['http://rp.test/cb'], token_endpoint_auth_method: 'none' }],
  cookies: { keys: ['a host cookie key of some length 0123456789'] },
  features: { devInteractions: { enabled: false }, revocation: { enabled: true } },
  claims: { openid: ['sub'], profile: ['name'] },
  acrValues: ['urn:host:acr:basic'],
  interactions: { url: (_ctx, interaction) => `/signin/${interaction.uid}` },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  ...extra,
});

const ORGS: Record<string, HostOrganization> = {
  'u-paid': { id: 'acme', plan: 'paid' },
  'u-sms-only': { id: 'acme-sms', plan: 'paid', allowedMethods: ['sms'] },
  'u-grace': {
    id: 'later-inc',
    plan: 'free',
    requireMfaForAllUsers: true,
    mfaEnforcedFrom: new Date(Date.now() + 86_400_000),
  },
};

describe('E3: configure() augments the host configuration', () => {
  let deadbolt: Deadbolt;
  before(async () => {
    deadbolt = await createDeadbolt({
      issuer: 'http://localhost:9',
      stores: { dataDir: ':memory:' },
      settings: { LOG_LEVEL: 'silent' },
      accounts: {
        findAccount: async (id) => {
          const org = ORGS[id];
          return org && { accountId: id, email: `${id}@example.test`, organizations: [org] };
        },
      },
    });
  });
  after(() => deadbolt?.close());

  it("E3: the mfa prompt follows the host's login prompt; only its URL is Deadbolt's; the host's settings stay", async () => {
    const configured = deadbolt.configure(host());
    const prompts = (configured.interactions?.policy ?? []).map((p) => p.name);
    assert.deepEqual(prompts, ['login', 'mfa', 'consent']);
    // The security pages' sign-in client joins the host's (E3: accountPages on by default).
    assert.deepEqual(
      configured.clients?.map((c) => c.client_id),
      ['app', 'deadbolt-account'],
    );
    const url = configured.interactions?.url;
    assert.ok(url);
    const ctx = {} as KoaContextWithOIDC;
    const at = (name: string) => url(ctx, { uid: 'u1', prompt: { name } } as never);
    assert.equal(await at('login'), '/signin/u1', "the host's own page");
    assert.equal(await at('consent'), '/signin/u1');
    assert.equal(await at('mfa'), '/interaction/u1', "Deadbolt's page");
    assert.deepEqual(configured.claims?.openid, ['sub', 'acr', 'amr', 'auth_time']);
    assert.deepEqual(configured.claims?.profile, ['name'], "the host's other claims");
    assert.ok([...(configured.acrValues ?? [])].includes('urn:host:acr:basic'));
    assert.ok([...(configured.acrValues ?? [])].includes('urn:deadbolt:acr:mfa'));
    assert.equal(configured.features?.revocation?.enabled, true);
    assert.equal(typeof configured.ttl?.Session, 'function', 'P7 session lifetimes');
    assert.ok(configured.adapter, "Deadbolt's ephemeral store as the adapter (the host had none)");
    const provider = new Provider('http://localhost:9', configured);
    assert.ok(provider);
  });

  it("E3: a host's own interaction policy keeps its extra prompts, with mfa right after login", () => {
    const policy = interactionPolicy.base();
    policy.add(new interactionPolicy.Prompt({ name: 'terms', requestable: true }), 0);
    const configured = deadbolt.configure(host({ interactions: { policy } }));
    assert.deepEqual(
      configured.interactions?.policy?.map((p) => p.name),
      ['terms', 'login', 'mfa', 'consent'],
    );
  });

  const refusals: Array<[string, Partial<Configuration>, RegExp]> = [
    ['devInteractions left on (the default)', { features: {} }, /devInteractions/],
    ['devInteractions switched on', { features: { devInteractions: { enabled: true } } }, /devInteractions/],
    [
      'a policy without a login prompt',
      { interactions: { policy: interactionPolicy.base().filter((p) => p.name !== 'login') as never } },
      /no login prompt/,
    ],
    ['empty cookie keys', { cookies: { keys: [] } }, /cookies\.keys/],
    [
      "a client of the host's named like the security pages' own",
      { clients: [{ client_id: 'deadbolt-account', redirect_uris: ['http://rp.test/cb'] }] },
      /deadbolt-account.*accountPages: false/,
    ],
  ];
  for (const [what, extra, message] of refusals) {
    it(`E3: refuses ${what} with a clear message`, () => {
      assert.throws(
        () => deadbolt.configure(host(extra)),
        (err: Error) => err instanceof DeadboltConfigurationError && message.test(err.message),
      );
    });
  }

  it("P1, E2: decide() answers from the host's directory through the port", async () => {
    const decision = await deadbolt.decide('u-paid');
    assert.equal(decision?.requirement, 'required');
    assert.equal(decision?.reason, 'org_paid_plan');
    assert.equal(decision?.mustEnroll, true, 'no method yet: enrollment at sign-in (P5)');
    assert.equal(await deadbolt.decide('u-gone'), undefined);
  });

  it("G2, G3, E2: the port's enforcement date and accepted methods reach the policy", async () => {
    assert.deepEqual((await deadbolt.decide('u-sms-only'))?.acceptedMethods, ['sms']);
    const grace = await deadbolt.decide('u-grace');
    assert.equal(grace?.requirement, 'optional');
    assert.equal(grace?.reason, 'grace_period');
    assert.ok(grace?.graceUntil instanceof Date);
  });

  it('E3: refuses a policy that already has an mfa prompt', () => {
    const policy = interactionPolicy.base();
    policy.add(new interactionPolicy.Prompt({ name: 'mfa', requestable: false }), 1);
    assert.throws(
      () => deadbolt.configure(host({ interactions: { policy } })),
      /already has a prompt named "mfa"/,
    );
  });
});
