// W1, W2, W7: the passkey factor against a software authenticator (ES256 and Ed25519) — what it
// accepts and every way an assertion or a registration must be refused, on both store modes.
import assert from 'node:assert/strict';
import { isPasskeyFactor, type PasskeyFactor } from '../../src/mfa/passkey/factor.ts';
import type { User } from '../../src/store/records.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';
import { type SoftAlg, SoftAuthenticator } from '../support/soft-authenticator.ts';

for (const mode of STORE_MODES) {
  describe(`Passkey factor: registration and assertions (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    let passkey: PasskeyFactor;
    let n = 0;
    before(async () => {
      server = await startTestServer(mode);
      const f = server.mfa.factors.get('passkey');
      assert.ok(isPasskeyFactor(f));
      passkey = f;
    });
    after(() => server?.stop());

    const who = (user: User) => ({ actorUserId: user.id, ip: `203.0.113.${n % 250}` });
    async function newUser(): Promise<User> {
      const id = await server.createUser(
        `passkey-${mode}-${++n}@example.test`,
        'correct horse battery staple',
      );
      return (await server.services.sor.findUserById(id))!;
    }
    async function registered(alg: SoftAlg = 'ES256', synced = false) {
      const user = await newUser();
      const authenticator = new SoftAuthenticator({ origin: server.issuer, synced });
      const registration = passkey.registration;
      const options = (await registration.start(user, `reg-${n}`)) as never;
      const done = await registration.finish(
        user,
        `reg-${n}`,
        JSON.stringify(authenticator.register(options, { alg })),
        who(user),
      );
      assert.ok(done.ok, JSON.stringify(done));
      return { user, authenticator, passkey: done.passkey };
    }
    /** Opens a challenge for the flow and answers it (with overrides). */
    async function attempt(
      user: User,
      authenticator: SoftAuthenticator,
      flowKey: string,
      overrides: Parameters<SoftAuthenticator['assert']>[1] = {},
      answerFlow = flowKey,
    ) {
      const state = (await server.mfa.load(user.id))!;
      const { ceremony } = await passkey.challenge({ user, records: state.records, flowKey, resend: false });
      const response = JSON.stringify(authenticator.assert(ceremony as never, overrides));
      return {
        response,
        outcome: await server.mfa.verify(state, 'passkey', response, answerFlow, who(user)),
      };
    }

    for (const alg of ['ES256', 'Ed25519'] as const) {
      it(`W1, W2: a ${alg} passkey registers (default name, transports) and verifies with amr hwk + user`, async () => {
        const { user, authenticator, passkey: stored } = await registered(alg);
        assert.equal(stored.name, 'Passkey 1');
        assert.deepEqual(stored.transports, ['internal']);
        const { outcome } = await attempt(user, authenticator, `flow-${n}`);
        assert.deepEqual(outcome, { ok: true, amr: ['hwk', 'user'], factor: 'passkey' });
        const [after] = await server.services.sor.listPasskeys(user.id);
        assert.equal(after.counter, 1);
        assert.ok(after.lastUsedAt);
      });
    }

    it('W3: a synced passkey says swk (software-held key), not hwk', async () => {
      const { user, authenticator } = await registered('ES256', true);
      const { outcome } = await attempt(user, authenticator, `flow-${n}`);
      assert.ok(outcome.ok);
      assert.deepEqual(outcome.amr, ['swk', 'user']);
    });

    it('W1: a second passkey gets the next default name; a known AAGUID names the authenticator', async () => {
      const user = await newUser();
      const registration = passkey.registration;
      for (const aaguid of [undefined, 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd']) {
        const a = new SoftAuthenticator({ origin: server.issuer, aaguid });
        const options = (await registration.start(user, `reg2-${n}`)) as never;
        assert.ok(
          (await registration.finish(user, `reg2-${n}`, JSON.stringify(a.register(options)), who(user))).ok,
        );
      }
      assert.deepEqual(
        (await server.services.sor.listPasskeys(user.id)).map((p) => p.name),
        ['Passkey 1', 'iCloud Keychain'],
      );
    });

    it('W1: registration is refused for a wrong origin, a wrong RP ID, no user verification, a reused or foreign challenge', async () => {
      const user = await newUser();
      const registration = passkey.registration;
      const a = new SoftAuthenticator({ origin: server.issuer });
      const cases: Array<[string, Parameters<SoftAuthenticator['register']>[1], string?]> = [
        ['wrong origin', { origin: 'https://evil.example' }],
        ['wrong RP ID', { rpId: 'evil.example' }],
        ['no user verification', { uv: false }],
        ['a challenge of another flow', {}, 'another-flow'],
      ];
      for (const [name, overrides, flow] of cases) {
        const options = (await registration.start(user, `regx-${n}`)) as never;
        if (flow) await registration.start(user, flow);
        const done = await registration.finish(
          user,
          flow ?? `regx-${n}`,
          JSON.stringify(a.register(options, overrides)),
          who(user),
        );
        assert.equal(done.ok, false, name);
      }
      const options = (await registration.start(user, `regy-${n}`)) as never;
      const response = JSON.stringify(a.register(options));
      assert.ok((await registration.finish(user, `regy-${n}`, response, who(user))).ok);
      assert.deepEqual(await registration.finish(user, `regy-${n}`, response, who(user)), {
        ok: false,
        reason: 'expired',
      });
      assert.deepEqual(await registration.finish(user, `regy-${n}`, 'not json', who(user)), {
        ok: false,
        reason: 'invalid',
      });
      assert.equal(
        (await server.services.sor.listPasskeys(user.id)).length,
        1,
        'only the good one is stored',
      );
    });

    it('W7: an assertion is refused for a wrong origin, a wrong RP ID, missing user verification', async () => {
      const { user, authenticator } = await registered();
      for (const overrides of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { uv: false }]) {
        const { outcome } = await attempt(user, authenticator, `flow-${n}`, overrides);
        assert.equal(outcome.ok, false, JSON.stringify(overrides));
        assert.ok(!outcome.ok && outcome.error === 'incorrect');
      }
    });

    it('W7: a replayed challenge and a challenge from another interaction are refused', async () => {
      const { user, authenticator } = await registered();
      const first = await attempt(user, authenticator, `flow-a-${n}`);
      assert.ok(first.outcome.ok);
      const state = (await server.mfa.load(user.id))!;
      const replay = await server.mfa.verify(state, 'passkey', first.response, `flow-a-${n}`, who(user));
      assert.ok(!replay.ok && replay.error === 'incorrect', 'the challenge was used once');
      // A challenge issued to interaction B, answered in interaction A (which has its own challenge).
      await passkey.challenge({ user, records: state.records, flowKey: `flow-a-${n}`, resend: false });
      const crossed = await attempt(user, authenticator, `flow-b-${n}`, {}, `flow-a-${n}`);
      assert.ok(!crossed.outcome.ok && crossed.outcome.error === 'incorrect');
      // And a challenge that was never issued to this flow.
      const none = await attempt(user, authenticator, `flow-c-${n}`, {}, `flow-d-${n}`);
      assert.ok(!none.outcome.ok && none.outcome.reason === 'expired');
    });

    it('W7: a signature counter that goes backwards is refused and audited as a possible clone', async () => {
      const { user, authenticator } = await registered();
      assert.ok((await attempt(user, authenticator, `flow-${n}`, { counter: 10 })).outcome.ok);
      const { outcome } = await attempt(user, authenticator, `flow-${n}`, { counter: 7 });
      assert.ok(!outcome.ok && outcome.error === 'incorrect' && outcome.reason === 'replay');
      const events = await server.services.sor.listAudit({ userId: user.id });
      assert.ok(events.some((e) => e.action === 'passkey.counter_regression'));
      assert.equal((await server.services.sor.listPasskeys(user.id))[0].counter, 10, 'the counter is kept');
    });

    it("W7: an unknown credential and another user's credential are refused", async () => {
      const alice = await registered();
      const bob = await registered();
      // Bob's authenticator answers Alice's challenge with Bob's credential.
      const state = (await server.mfa.load(alice.user.id))!;
      const { ceremony } = await passkey.challenge({
        user: alice.user,
        records: state.records,
        flowKey: `x-${n}`,
        resend: false,
      });
      const foreign = JSON.stringify(
        bob.authenticator.assert({ challenge: (ceremony as { challenge: string }).challenge }),
      );
      const outcome = await server.mfa.verify(state, 'passkey', foreign, `x-${n}`, who(alice.user));
      assert.ok(!outcome.ok && outcome.error === 'incorrect');
      const stranger = new SoftAuthenticator({ origin: server.issuer });
      stranger.register({ challenge: 'c', user: { id: 'u' } });
      await passkey.challenge({ user: alice.user, records: state.records, flowKey: `y-${n}`, resend: false });
      const unknown = JSON.stringify(stranger.assert({ challenge: 'c' }));
      const refused = await server.mfa.verify(state, 'passkey', unknown, `y-${n}`, who(alice.user));
      assert.ok(!refused.ok && refused.error === 'incorrect');
      assert.equal(
        (await server.services.sor.listPasskeys(bob.user.id))[0].counter,
        0,
        "Bob's passkey is untouched",
      );
    });
  });
}

for (const mode of STORE_MODES) {
  describe(`Passkey challenges expire (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: TestServer;
    before(async () => {
      server = await startTestServer(mode, { env: { WEBAUTHN_CHALLENGE_TTL_SECONDS: '1' } });
    });
    after(() => server?.stop());

    it('W7: an assertion for a challenge older than WEBAUTHN_CHALLENGE_TTL_SECONDS is refused; a fresh one works', async () => {
      const passkey = server.mfa.factors.get('passkey');
      assert.ok(isPasskeyFactor(passkey));
      const id = await server.createUser(`expiry-${mode}@example.test`, 'correct horse battery staple');
      const user = (await server.services.sor.findUserById(id))!;
      const authenticator = new SoftAuthenticator({ origin: server.issuer });
      const options = (await passkey.registration.start(user, 'reg')) as never;
      const who = { actorUserId: id, ip: '203.0.113.9' };
      assert.ok(
        (await passkey.registration.finish(user, 'reg', JSON.stringify(authenticator.register(options)), who))
          .ok,
      );
      const answer = async (waitMs: number) => {
        const state = (await server.mfa.load(id))!;
        const { ceremony } = await passkey.challenge({
          user,
          records: state.records,
          flowKey: 'f',
          resend: false,
        });
        const response = JSON.stringify(authenticator.assert(ceremony as never));
        await new Promise((r) => setTimeout(r, waitMs));
        return server.mfa.verify(state, 'passkey', response, 'f', who);
      };
      const late = await answer(2_100);
      assert.ok(!late.ok && late.error === 'incorrect' && late.reason === 'expired', JSON.stringify(late));
      assert.ok((await answer(0)).ok);
    });
  });
}
