// The factor conformance suite (issue 10): every module in the registry (src/mfa/registry.ts) goes
// through the same life — enrolled, a right code verifies with the module's amr, the same code is
// refused the second time (T4, T3, S4), a wrong code is counted against the limits (V2, L3), the
// last method of a mandatory user cannot go (M3) while a companion never counts as one, disabling
// removes it (M2) and a reset removes it and ends the sessions (R1, V3). A new factor must bring a
// harness here, or this suite fails for it.
import assert from 'node:assert/strict';
import { seal } from '../../src/crypto/sealed.ts';
import { newBackupCodes } from '../../src/mfa/backup-codes/factor.ts';
import { isPasskeyFactor } from '../../src/mfa/passkey/factor.ts';
import { FACTOR_MODULES } from '../../src/mfa/registry.ts';
import { isSmsFactor } from '../../src/mfa/sms/factor.ts';
import { totpAad } from '../../src/mfa/totp/factor.ts';
import { createTotpSecret } from '../../src/mfa/totp/totp.ts';
import type { FactorType } from '../../src/store/records.ts';
import { appCode } from '../support/mfa.ts';
import { STORE_MODES } from '../support/server.ts';
import { jpMobile, PASSWORD, type SmsTestServer, startSmsServer } from '../support/sms.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

/** How to give a user the factor, and how its owner produces a right code (and a wrong one). */
interface Harness {
  /** Also enrolls what the factor comes with (a companion's owner). */
  enroll(server: SmsTestServer, userId: string, n: number): Promise<{ code(step: number): Promise<string> }>;
  wrong: string;
}

const harnesses: Record<FactorType, Harness> = {
  totp: {
    async enroll(server, userId) {
      const secret = createTotpSecret();
      await server.services.sor.insertFactor({
        userId,
        type: 'totp',
        secretEnc: seal(server.services.config.factorKeys, secret, totpAad(userId)),
      });
      return { code: (step) => appCode(secret, step) };
    },
    wrong: '000000',
  },
  sms: {
    async enroll(server, userId, n) {
      const { e164 } = jpMobile(500 + n);
      await server.giveSms(userId, e164);
      const sms = server.mfa.factors.get('sms');
      assert.ok(isSmsFactor(sms));
      const user = (await server.services.sor.findUserById(userId))!;
      return {
        async code() {
          const sent = await sms.send({
            user,
            purpose: 'signin',
            flowKey: `conf-${n}`,
            phone: e164,
            resend: false,
          });
          assert.ok(sent.ok, JSON.stringify(sent));
          return server.lastCode(e164);
        },
      };
    },
    wrong: '000000',
  },
  passkey: {
    // W1, W2: registered through the factor's own ceremony; each code is a fresh assertion for the
    // flow's challenge, made by a software authenticator.
    async enroll(server, userId, n) {
      const passkey = server.mfa.factors.get('passkey');
      assert.ok(isPasskeyFactor(passkey));
      const user = (await server.services.sor.findUserById(userId))!;
      const authenticator = new SoftAuthenticator({ origin: server.issuer });
      const registration = passkey.registration;
      const options = (await registration.start(user, `conf-reg-${n}`)) as never;
      const done = await registration.finish(
        user,
        `conf-reg-${n}`,
        JSON.stringify(authenticator.register(options)),
        {
          actorUserId: userId,
        },
      );
      assert.ok(done.ok, JSON.stringify(done));
      return {
        async code() {
          const records = await server.services.sor.listFactors(userId);
          const { ceremony } = await passkey.challenge({
            user,
            records,
            flowKey: `conf-${n}`,
            resend: false,
          });
          return JSON.stringify(authenticator.assert(ceremony as never));
        },
      };
    },
    wrong: '{"id":"x","response":{}}',
  },
  backup_code: {
    async enroll(server, userId, n) {
      await harnesses.totp.enroll(server, userId, n); // backup codes come with the app (T3)
      const { codes, rows } = await newBackupCodes(userId);
      for (const row of rows) await server.services.sor.insertFactor(row);
      let next = 0;
      return { code: async () => codes[next++ % codes.length] };
    },
    wrong: 'aaaaa-aaaaa',
  },
};

for (const mode of STORE_MODES) {
  describe(`Factor conformance: every registered module (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: SmsTestServer;
    let n = 0;
    before(async () => {
      server = await startSmsServer(mode);
    });
    after(() => server?.stop());

    it('every registered module has a conformance harness', () => {
      for (const m of FACTOR_MODULES) assert.ok(harnesses[m.type], `no conformance harness for ${m.type}`);
      for (const m of FACTOR_MODULES) assert.ok(server.mfa.factors.get(m.type), `${m.type} is not wired`);
    });

    for (const module of FACTOR_MODULES) {
      const harness = harnesses[module.type];
      it(`${module.type}: T4/T3/S4, L3, V2, M2, M3, R1 — enroll, verify with its amr, replay refused, wrong code counted, last-method rule, disable, reset`, async () => {
        const { mfa, services } = server;
        const { sor } = services;
        const orgId = (await sor.createOrg({ name: `Paid ${module.type} ${mode}`, plan: 'paid' })).id;
        const userId = await server.createUser(`conformance-${module.type}-${++n}@example.test`, PASSWORD);
        await sor.setMembership(userId, orgId, 'member');
        const who = { actorUserId: userId, ip: `198.51.100.${n}` };
        const flowKey = `conf-${n}`;
        const owner = await harness.enroll(server, userId, n);

        let state = (await mfa.load(userId))!;
        assert.ok(
          state.enrolled.includes(module.type) && state.usable.includes(module.type),
          'enrolled and usable',
        );
        const decision = mfa.decide(state, { amr: ['pwd'] });
        assert.equal(decision.requirement, 'required');
        assert.ok(decision.allowedFactors.includes(module.type), 'the policy allows it at sign-in');

        const code = await owner.code(0);
        const ok = await mfa.verify(state, module.type, code, flowKey, who);
        assert.ok(ok.ok, `a right code verifies: ${JSON.stringify(ok)}`);
        for (const amr of module.amr) assert.ok(ok.amr.includes(amr), `amr has ${amr}`);

        state = (await mfa.load(userId))!;
        const replay = await mfa.verify(state, module.type, code, flowKey, who);
        assert.equal(replay.ok, false, 'the same code is refused the second time');

        const first = await mfa.verify(state, module.type, harness.wrong, flowKey, who);
        const second = await mfa.verify(state, module.type, harness.wrong, flowKey, who);
        assert.ok(!first.ok && first.error === 'incorrect' && !second.ok && second.error === 'incorrect');
        assert.ok((second.remaining ?? 0) < (first.remaining ?? 0), 'a wrong code is counted');

        // M3: the last method of a mandatory user cannot go; a companion never counts as one.
        const methods = state.usable.filter(
          (t) => FACTOR_MODULES.find((m) => m.type === t)?.companionOf === undefined,
        );
        if (module.companionOf === undefined) {
          assert.deepEqual(methods, [module.type]);
          assert.equal(mfa.decisions.canRemove(state, module.type).ok, false, 'M3: the last method stays');
        } else {
          assert.equal(
            mfa.decisions.canRemove(state, module.companionOf).ok,
            false,
            'M3: a companion is no method',
          );
        }

        // M2: disabling removes its rows (and what comes with it).
        const factor = mfa.factors.get(module.type)!;
        assert.ok((await factor.disable(userId, sor)) > 0);
        state = (await mfa.load(userId))!;
        assert.ok(!state.usable.includes(module.type), 'disabled');

        // R1, V3: a reset removes everything again and ends the sessions.
        await sor.deleteFactorsOfUser(userId);
        await harness.enroll(server, userId, ++n);
        assert.ok((await sor.deleteFactorsOfUser(userId)) > 0);
        await mfa.sessions.endEverything(userId);
        state = (await mfa.load(userId))!;
        assert.deepEqual(state.enrolled, []);
        assert.ok(mfa.decide(state, { amr: ['pwd'] }).mustEnroll, 'P5: the member enrolls again');
      });
    }
  });
}
