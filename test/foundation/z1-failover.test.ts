// Z1 + X2: a Deadbolt server on a Redis Cluster / a Sentinel group of the test's own. Under a few
// concurrent sign-ins the primary is SIGKILLed; the cluster (or Sentinel) promotes its replica.
// Meanwhile requests fail closed (503, never a code for an MFA-bound user without MFA), and service
// recovers without restarting Deadbolt. Counts are printed for the closing note.
import assert from 'node:assert/strict';
import { giveTotp } from '../support/account.ts';
import { Browser, textOf } from '../support/browser.ts';
import { appCode, isMfaChallenge, submitCode } from '../support/mfa.ts';
import {
  clusterMasters,
  type SentinelGroup,
  sentinelPrimaryPort,
  startRedisCluster,
  startSentinelGroup,
  type Topology,
} from '../support/redis-topology.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const WORKERS = 4;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Counts {
  requests: number;
  ok: number;
  mfaHeld: number;
  unavailable: number;
  tokensWithoutMfa: number;
  /** Other answers (e.g. a 400 for an interaction lost with the killed primary), by status. */
  other: Record<string, number>;
  lastFailureAt: number;
  /** The first few of those answers, for the failure message. */
  samples: string[];
}

interface Setup {
  name: string;
  start(): Promise<Topology>;
  env(topology: Topology): Record<string, string>;
  /** SIGKILLs the current primary (one cluster master) and returns when it is dead. */
  killPrimary(topology: Topology): Promise<void>;
}

async function killPort(topology: Topology, port: number): Promise<void> {
  const node = topology.nodes.find((n) => n.port === port);
  assert.ok(node, `node ${port}`);
  const exited = new Promise((resolve) => node.process.once('exit', resolve));
  node.kill();
  await exited;
}

const setups: Setup[] = [
  {
    name: 'Redis Cluster (3 masters + 3 replicas), a master SIGKILLed',
    start: startRedisCluster,
    env: (t) => ({ REDIS_CLUSTER_NODES: t.nodes.map((n) => `${n.host}:${n.port}`).join(',') }),
    killPrimary: async (t) => killPort(t, (await clusterMasters(t))[0]!),
  },
  {
    name: 'Redis Sentinel (primary + replica), the primary SIGKILLed',
    start: startSentinelGroup,
    env: (t) => {
      const group = t as SentinelGroup;
      return { REDIS_SENTINELS: `127.0.0.1:${group.sentinel.port}`, REDIS_SENTINEL_NAME: group.name };
    },
    killPrimary: async (t) => killPort(t, await sentinelPrimaryPort(t as SentinelGroup)),
  },
];

/** One sign-in attempt of the MFA-bound user (must stop at MFA) or of the password-only user. */
async function attempt(rp: RelyingParty, email: string, mfaBound: boolean, counts: Counts): Promise<void> {
  counts.requests++;
  const browser = new Browser();
  const fail = (status: string, detail = ''): void => {
    counts.lastFailureAt = Date.now();
    if (status === '503') counts.unavailable++;
    else counts.other[status] = (counts.other[status] ?? 0) + 1;
    if (status !== '503' && counts.samples.length < 5)
      counts.samples.push(`${status} ${detail.slice(0, 300)}`);
  };
  try {
    const auth = await rp.authorize();
    const first = await open(browser, auth);
    if (first.status !== 200) return fail(String(first.status), `${first.url} ${textOf(first.text)}`);
    const next = await submitPassword(browser, first, email, PASSWORD);
    if (mfaBound && next.status === 0) {
      counts.tokensWithoutMfa++; // the relying party got a code without the second factor
      return;
    }
    if (mfaBound && isMfaChallenge(next)) {
      counts.mfaHeld++;
      return;
    }
    if (next.status !== 0) return fail(String(next.status), `${next.url} ${textOf(next.text)}`);
    const tokens = await rp.callback(next.url, auth);
    assert.deepEqual(tokens.claims()?.amr, ['pwd']);
    counts.ok++;
  } catch (error) {
    // openid-client rejects a 503 from the token endpoint; anything else is recorded by name.
    const cause = (error as { cause?: unknown }).cause;
    const status =
      (error as { status?: number }).status ?? (cause instanceof Response ? cause.status : undefined);
    const where = cause instanceof Response ? ` (${cause.status} ${cause.url})` : '';
    fail(status ? String(status) : (error as Error).name, `${String(error)}${where}`);
  }
}

for (const setup of setups) {
  describe(`Z1: failover on ${setup.name}`, function () {
    this.timeout(120_000);
    let topology: Topology;
    let server: TestServer;
    let rp: RelyingParty;
    let secret: string;

    before(async () => {
      topology = await setup.start();
      // Sign-in limits out of the way: the load signs the same two users in again and again.
      const limits = { LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '10000', LOGIN_MAX_ATTEMPTS_PER_IP: '100000' };
      server = await startTestServer('real', {
        env: { REDIS_URL: '', ...limits, ...setup.env(topology) },
        captureLogs: true,
      });
      const mfaUser = await server.createUser('mfa@example.test', PASSWORD, {
        plan: 'paid',
        requireMfa: true,
      });
      secret = await giveTotp(server, mfaUser);
      await server.createUser('plain@example.test', PASSWORD, { plan: 'free' });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(async () => {
      await server?.stop();
      await topology?.stop();
    });

    it('Z1, X2: killing the primary under load fails closed (503, no token without MFA) and recovers without a restart', async () => {
      const counts: Counts = {
        requests: 0,
        ok: 0,
        mfaHeld: 0,
        unavailable: 0,
        tokensWithoutMfa: 0,
        other: {},
        lastFailureAt: 0,
        samples: [],
      };
      let stop = false;
      const worker = async (i: number): Promise<void> => {
        for (let n = 0; !stop; n++) {
          const mfaBound = (i + n) % 2 === 0;
          await attempt(rp, mfaBound ? 'mfa@example.test' : 'plain@example.test', mfaBound, counts);
        }
      };
      const workers = Array.from({ length: WORKERS }, (_, i) => worker(i));
      await sleep(1500);
      const before = { ...counts, other: { ...counts.other } };
      const killedAt = Date.now();
      await setup.killPrimary(topology);
      // Recovered: 3 s without a failed request after the kill (at most 45 s).
      while (Date.now() - Math.max(counts.lastFailureAt, killedAt) < 3000) {
        assert.ok(Date.now() - killedAt < 45_000, `no recovery within 45 s: ${JSON.stringify(counts)}`);
        await sleep(100);
      }
      stop = true;
      await Promise.all(workers);
      const recoveryMs = Math.max(0, counts.lastFailureAt - killedAt);
      const summary = { ...counts, recoveryMs, lastFailureAt: undefined };
      console.log(`      ${setup.name}: ${JSON.stringify(summary)}`);

      assert.equal(counts.tokensWithoutMfa, 0, 'never a code for the MFA-bound user without MFA');
      assert.equal(before.unavailable + Object.keys(before.other).length, 0, 'no failures before the kill');
      assert.ok(counts.unavailable > 0, 'the outage was seen (503)');
      for (const status of Object.keys(counts.other)) {
        assert.ok(
          /^4\d\d$/.test(status),
          `only 503s or a lost interaction's 4xx, got ${JSON.stringify(counts.other)}`,
        );
      }
      assert.ok(
        counts.ok > before.ok && counts.mfaHeld > before.mfaHeld,
        'sign-ins went on after the failover',
      );

      // The same server, not restarted: the MFA-bound user completes a sign-in with the app.
      const browser = new Browser();
      const auth = await rp.authorize();
      const challenge = await submitPassword(
        browser,
        await open(browser, auth),
        'mfa@example.test',
        PASSWORD,
      );
      assert.ok(isMfaChallenge(challenge), textOf(challenge.text).slice(0, 200));
      const done = await submitCode(browser, challenge, await appCode(secret));
      assert.equal(done.status, 0, textOf(done.text).slice(0, 200));
      assert.deepEqual((await rp.callback(done.url, auth)).claims()?.amr, ['pwd', 'otp', 'mfa']);
    });
  });
}
