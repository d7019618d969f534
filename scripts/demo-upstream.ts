// A tiny upstream OpenID provider for the enterprise SSO demo (README "Enterprise SSO"): a second
// node-oidc-provider on http://127.0.0.1:4000 with its development sign-in pages (any login name,
// any password), and Deadbolt registered as its confidential client. Development only.
//
//   node scripts/demo-upstream.ts
//
// Environment: UPSTREAM_PORT (4000), DEADBOLT_ISSUER (http://localhost:3000), UPSTREAM_CLIENT_ID
// (deadbolt), UPSTREAM_CLIENT_SECRET (demo-upstream-secret-0123456789abcdef), UPSTREAM_DOMAIN
// (initech.test: a login name without "@" becomes <name>@UPSTREAM_DOMAIN), UPSTREAM_AMR (pwd;
// comma-separated amr the upstream reports, e.g. "pwd,otp" to play an IdP that did MFA).
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { createMemoryStore } from '../src/store/ephemeral/memory.ts';

const port = Number(process.env.UPSTREAM_PORT ?? 4000);
const issuer = `http://127.0.0.1:${port}`;
const deadbolt = (process.env.DEADBOLT_ISSUER ?? 'http://localhost:3000').replace(/\/$/, '');
const clientId = process.env.UPSTREAM_CLIENT_ID ?? 'deadbolt';
const clientSecret = process.env.UPSTREAM_CLIENT_SECRET ?? 'demo-upstream-secret-0123456789abcdef';
const domain = process.env.UPSTREAM_DOMAIN ?? 'initech.test';
const amr = (process.env.UPSTREAM_AMR ?? 'pwd').split(',').filter(Boolean);

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const key = { ...(await exportJWK(privateKey)), kid: 'demo-upstream', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  adapter: createMemoryStore().OidcAdapter,
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [`${deadbolt}/sso/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [key] },
  // Its own cookie names, so it never mixes with Deadbolt's on a shared host name.
  cookies: {
    keys: ['demo-upstream-cookie-key-0123456789abcdef'],
    names: { session: '_up_session', interaction: '_up_interaction', resume: '_up_interaction_resume' },
  },
  claims: { openid: ['sub', 'amr', 'auth_time'], email: ['email', 'email_verified'] },
  scopes: ['openid', 'email', 'profile'],
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    Grant: 3600,
    IdToken: 600,
    Interaction: 600,
    Session: 3600,
  },
  async findAccount(_ctx, sub) {
    const email = sub.includes('@') ? sub.toLowerCase() : `${sub.toLowerCase()}@${domain}`;
    return { accountId: sub, claims: () => ({ sub, email, email_verified: true }) };
  },
  // Deadbolt is this provider's own client: no consent screen.
  async loadExistingGrant(ctx) {
    const { client, session } = ctx.oidc;
    if (!client || !session?.accountId) return undefined;
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});
// The development sign-in records no amr; report the configured one like a real IdP would.
provider.on('interaction.ended', (ctx) => {
  const { session } = ctx.oidc;
  if (session?.accountId && !session.amr) session.amr = amr;
});

provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(
    [
      '',
      `  Demo upstream identity provider at ${issuer}`,
      `  Client for Deadbolt: ${clientId} (secret ${clientSecret})`,
      `  Redirect URI:        ${deadbolt}/sso/callback`,
      `  Sign in there with any login name (e.g. ann → ann@${domain}) and any password.`,
      '',
    ].join('\n'),
  );
});
