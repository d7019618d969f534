// The flows `npm run bench:load` drives (see scripts/bench-load.ts): the bare node-oidc-provider
// (its dev interactions, memory adapter, no password hashing), Deadbolt password-only and
// password + authenticator app sign-ins, and refresh grants. Every sign-in is a full
// authorization-code + PKCE flow to an ID token validated by openid-client (test/support/rp.ts).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ClientMetadata, type KoaContextWithOIDC } from 'oidc-provider';
import * as client from 'openid-client';
import { hashPassword } from '../src/crypto/password.ts';
import { seal } from '../src/crypto/sealed.ts';
import { totpAad } from '../src/mfa/totp/factor.ts';
import { createTotpSecret } from '../src/mfa/totp/totp.ts';
import { Browser } from '../test/support/browser.ts';
import { appCode, isMfaChallenge, submitCode } from '../test/support/mfa.ts';
import { isCallback, open, RelyingParty, submitPassword } from '../test/support/rp.ts';
import { RP_CLIENTS, type StoreMode, startTestServer, type TestServer } from '../test/support/server.ts';

export const PASSWORD = 'a long and correct benchmark password';
export type Flow = () => Promise<void>;

function expectIdToken(tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): void {
  if (!tokens.claims()?.sub) throw new Error('no subject in the ID token');
}

// ── bare node-oidc-provider ────────────────────────────────────────────────────────────────────

export interface Bare {
  rp: RelyingParty;
  signIn(): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * The provider as it ships: dev interactions (any login, no password check), its memory adapter,
 * the same client, PKCE and signed cookies. A grant is created on first sight like Deadbolt's
 * first-party clients (no consent page), and a refresh token issued, so both issue the same tokens.
 */
export async function startBare(): Promise<Bare> {
  const { first_party: _, ...metadata } = RP_CLIENTS[0];
  let issuer = '';
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [metadata as ClientMetadata],
    cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
    scopes: ['openid', 'email', 'offline_access'],
    pkce: { required: () => true },
    rotateRefreshToken: true,
    // Deadbolt keeps offline_access for first-party clients (src/oidc/refresh.ts); the same tokens here.
    issueRefreshToken: async (_ctx, c) => c.grantTypeAllowed('refresh_token'),
    ttl: { AccessToken: 3600, IdToken: 3600, Interaction: 3600, Grant: 1209600, Session: 1209600 },
    features: { devInteractions: { enabled: true } },
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { client: c, session, params } = ctx.oidc;
      if (!c || !session?.accountId) return undefined;
      const id = session.grantIdFor(c.clientId);
      const grant =
        (id && (await ctx.oidc.provider.Grant.find(id))) ||
        new ctx.oidc.provider.Grant({ clientId: c.clientId, accountId: session.accountId });
      grant.addOIDCScope(String(params?.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  const rp = await RelyingParty.discover(issuer);
  let n = 0;
  return {
    rp,
    async signIn() {
      const browser = new Browser();
      const auth = await rp.authorize();
      const page = await open(browser, auth);
      const done = await browser.submit(page, { login: `bare-${n++}`, password: 'x' }, undefined, isCallback);
      if (done.status !== 0) throw new Error(`bare: expected the callback, got ${done.status}`);
      const tokens = await rp.callback(done.url, auth);
      expectIdToken(tokens);
      return tokens.refresh_token;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// ── Deadbolt ───────────────────────────────────────────────────────────────────────────────────

interface AppUser {
  email: string;
  secret: string;
}

export interface Deadbolt {
  mode: StoreMode;
  server: TestServer;
  rp: RelyingParty;
  signInPassword(): Promise<string | undefined>;
  signInWithApp(): Promise<string | undefined>;
  /** Enrolled users not yet used (a time step is accepted once per user). */
  appUsersLeft(): number;
  addAppUsers(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startDeadbolt(mode: StoreMode, env: Record<string, string> = {}): Promise<Deadbolt> {
  const server = await startTestServer(mode, {
    env: {
      LOG_LEVEL: 'silent',
      LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
      LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '10000',
      MFA_MAX_FAILURES_PER_IP: '100000',
      ...env,
    },
  });
  const { sor, config } = server.services;
  const passwordHash = await hashPassword(PASSWORD);
  const rp = await RelyingParty.discover(server.issuer);
  const emails: string[] = [];
  for (let i = 0; i < 16; i++) {
    emails.push(`pw-${i}@bench.test`);
    await sor.createUser({ email: emails[i], passwordHash });
  }
  const paid = await sor.createOrg({ name: 'Bench (paid)', plan: 'paid' });
  const fresh: AppUser[] = [];
  let made = 0;
  const addAppUser = async () => {
    const email = `app-${made++}@bench.test`;
    const user = await sor.createUser({ email, passwordHash });
    await sor.setMembership(user.id, paid.id, 'member');
    const secret = createTotpSecret();
    await sor.insertFactor({
      userId: user.id,
      type: 'totp',
      secretEnc: seal(config.factorKeys, secret, totpAad(user.id)),
    });
    fresh.push({ email, secret });
  };
  let n = 0;
  return {
    mode,
    server,
    rp,
    async signInPassword() {
      const browser = new Browser();
      const auth = await rp.authorize();
      const done = await submitPassword(
        browser,
        await open(browser, auth),
        emails[n++ % emails.length],
        PASSWORD,
      );
      if (done.status !== 0) throw new Error(`password: expected the callback, got ${done.status}`);
      const tokens = await rp.callback(done.url, auth);
      expectIdToken(tokens);
      return tokens.refresh_token;
    },
    async signInWithApp() {
      const user = fresh.pop();
      if (!user) throw new Error('out of enrolled users');
      const browser = new Browser();
      const auth = await rp.authorize();
      const challenge = await submitPassword(browser, await open(browser, auth), user.email, PASSWORD);
      if (!isMfaChallenge(challenge))
        throw new Error(`app: expected the MFA challenge, got ${challenge.status}`);
      const done = await submitCode(browser, challenge, await appCode(user.secret));
      if (done.status !== 0) throw new Error(`app: expected the callback, got ${done.status}`);
      const tokens = await rp.callback(done.url, auth);
      expectIdToken(tokens);
      return tokens.refresh_token;
    },
    appUsersLeft: () => fresh.length,
    async addAppUsers(count) {
      const workers = Array.from({ length: 8 }, async () => {
        while (count-- > 0) await addAppUser();
      });
      await Promise.all(workers);
    },
    async close() {
      await server.stop();
    },
  };
}

// ── refresh grants ─────────────────────────────────────────────────────────────────────────────

/** One refresh loop per worker: each holds a refresh token and rotates it at every grant. */
export function refreshFlow(rp: RelyingParty, tokens: string[]): (worker: number) => Flow {
  return (worker) => async () => {
    const res = await client.refreshTokenGrant(rp.config, tokens[worker]);
    if (!res.refresh_token || !res.access_token) throw new Error('refresh: no tokens');
    tokens[worker] = res.refresh_token;
  };
}
