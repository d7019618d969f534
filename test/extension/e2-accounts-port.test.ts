// E2: the accounts port's contract, run against Deadbolt's own directory (both store modes) and
// against a host-style in-memory directory; and Deadbolt over the port decides like Deadbolt over
// its own tables (P1, P4).
import assert from 'node:assert/strict';
import type { AccountsPort } from '../../src/extension/accounts.ts';
import { deadboltOn } from '../../src/extension/create.ts';
import { directoryAccounts } from '../../src/extension/directory-accounts.ts';
import { STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';

interface Subject {
  port: AccountsPort;
  paid: string;
  free: string;
  unknown: string;
}

function portContract(name: string, subject: () => Subject) {
  it(`E2 (${name}): findAccount gives the e-mail and the organizations with their plan; unknown ids give undefined`, async () => {
    const { port, paid, free, unknown } = subject();
    const a = await port.findAccount(paid);
    assert.equal(a?.accountId, paid);
    assert.match(a?.email ?? '', /@/);
    assert.deepEqual(
      a?.organizations.map((o) => o.plan),
      ['paid'],
    );
    assert.deepEqual(
      (await port.findAccount(free))?.organizations.map((o) => o.plan),
      ['free'],
    );
    assert.equal(await port.findAccount(unknown), undefined);
    assert.equal(await port.findAccount(''), undefined);
  });
  it(`T1, E2 (${name}): verifyPassword accepts the right password only`, async () => {
    const { port, paid, unknown } = subject();
    assert.equal(await port.verifyPassword?.(paid, PASSWORD), true);
    assert.equal(await port.verifyPassword?.(paid, 'wrong password'), false);
    assert.equal(await port.verifyPassword?.(unknown, PASSWORD), false);
  });
}

describe('E2: the accounts port', function () {
  this.timeout(60_000);

  describe('a host-style in-memory directory', () => {
    const users = new Map([
      ['h-1', { email: 'h1@example.test', plan: 'paid' as const }],
      ['h-2', { email: 'h2@example.test', plan: 'free' as const }],
    ]);
    const port: AccountsPort = {
      async findAccount(id) {
        const u = users.get(id);
        return u && { accountId: id, email: u.email, organizations: [{ id: `org-${id}`, plan: u.plan }] };
      },
      async verifyPassword(id, password) {
        return users.has(id) && password === PASSWORD;
      },
    };
    portContract('in memory', () => ({ port, paid: 'h-1', free: 'h-2', unknown: 'h-3' }));
  });

  for (const mode of STORE_MODES) {
    describe(`Deadbolt's own directory (${mode} stores)`, () => {
      let server: TestServer;
      let subject: Subject;
      before(async () => {
        server = await startTestServer(mode);
        const paid = await server.createUser('paid@example.test', PASSWORD, { plan: 'paid' });
        const free = await server.createUser('free@example.test', PASSWORD, { plan: 'free' });
        const port = directoryAccounts(server.services.sor);
        subject = { port, paid, free, unknown: '00000000-0000-4000-8000-000000000000' };
      });
      after(() => server?.stop());
      portContract(mode, () => subject);

      it(`P1, P4, E2 (${mode}): Deadbolt over the port decides as over its own tables`, async () => {
        const own = deadboltOn(server.services, {});
        const viaPort = deadboltOn(server.services, { accounts: subject.port });
        for (const id of [subject.paid, subject.free]) {
          const [a, b] = [await own.decide(id), await viaPort.decide(id)];
          assert.equal(b?.requirement, a?.requirement, id);
          assert.equal(b?.reason, a?.reason);
        }
        assert.equal((await viaPort.decide(subject.paid))?.requirement, 'required');
      });
    });
  }
});
