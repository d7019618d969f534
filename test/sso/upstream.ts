// The upstream identity provider of the SSO tests: a second node-oidc-provider on a free loopback
// port (127.0.0.1, so its cookies never meet Deadbolt's on localhost), with Deadbolt registered as
// its confidential client. Sign-in there is automatic: the test says who signs in next (`next`),
// with which claims and amr, or that the person denies. `tamper` re-signs the ID token of the next
// token responses with changed claims (or another key), to prove Deadbolt's checks.

import { decodeJwt, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import Koa from 'koa';
import mount from 'koa-mount';
import Provider, { type Configuration } from 'oidc-provider';
import { createMemoryStore } from '../../src/store/ephemeral/memory.ts';
import { freePort } from '../support/server.ts';

export interface UpstreamUser {
  sub: string;
  email: string;
  email_verified: boolean;
  amr?: string[];
}

export interface Tamper {
  claims?: (claims: JWTPayload) => JWTPayload;
  /** Sign with a key the upstream does not publish. */
  foreignKey?: boolean;
}

export interface Upstream {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who signs in at the next authorization, or an error the upstream answers with. */
  next: UpstreamUser | { error: string };
  tamper: Tamper | undefined;
  /** Authorization requests received (their query parameters). */
  requests: URLSearchParams[];
  stop(): Promise<void>;
}

export async function startUpstream(options: { redirectUri: string; clientId?: string }): Promise<Upstream> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = options.clientId ?? 'deadbolt';
  const clientSecret = `upstream-secret-${port}-0123456789abcdef0123456789`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: `up-${port}`, alg: 'RS256', use: 'sig' };
  const foreign = await generateKeyPair('RS256');
  const users = new Map<string, UpstreamUser>();

  const configuration: Configuration = {
    adapter: createMemoryStore().OidcAdapter,
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
    },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: {
      keys: [`upstream-cookie-key-${port}-0123456789abcdef`],
      names: { session: '_up_session', interaction: '_up_interaction', resume: '_up_interaction_resume' },
    },
    claims: { openid: ['sub', 'amr', 'auth_time'], email: ['email', 'email_verified'] },
    scopes: ['openid', 'email', 'profile'],
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const user = users.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, email: user.email, email_verified: user.email_verified }),
      };
    },
    // Deadbolt is the upstream's own client here: no consent screen.
    async loadExistingGrant(ctx) {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);

  const upstream: Upstream = {
    issuer,
    clientId,
    clientSecret,
    next: { error: 'access_denied' },
    tamper: undefined,
    requests: [],
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };

  async function resign(idToken: string, tamper: Tamper): Promise<string> {
    const claims = tamper.claims ? tamper.claims(decodeJwt(idToken)) : decodeJwt(idToken);
    const key = tamper.foreignKey ? foreign.privateKey : privateKey;
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid }).sign(key);
  }

  const app = new Koa();
  app.keys = configuration.cookies?.keys as string[];
  app.use(async (ctx, next) => {
    if (ctx.path === '/auth') upstream.requests.push(new URLSearchParams(ctx.querystring));
    if (ctx.method === 'GET' && /^\/interaction\/[\w-]+$/.test(ctx.path)) {
      await provider.interactionDetails(ctx.req, ctx.res);
      const who = upstream.next;
      let result: Parameters<Provider['interactionResult']>[2];
      if ('error' in who) {
        result = { error: who.error, error_description: 'the test upstream said no' };
      } else {
        users.set(who.sub, who);
        result = { login: { accountId: who.sub, ...(who.amr ? { amr: who.amr } : {}) } };
      }
      const to = await provider.interactionResult(ctx.req, ctx.res, result, {
        mergeWithLastSubmission: false,
      });
      ctx.status = 303;
      ctx.redirect(to);
      return;
    }
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path === '/token' && ctx.status === 200 && upstream.tamper && body?.id_token) {
      body.id_token = await resign(body.id_token, upstream.tamper);
    }
  });
  app.use(mount(provider));
  const server = app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  return upstream;
}
