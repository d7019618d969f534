// The relying party in end-to-end tests: openid-client 6, authorization code + PKCE.
import * as client from 'openid-client';
import { type Browser, type Page, textOf } from './browser.ts';
import { RP_REDIRECT } from './server.ts';

export interface Authorization {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export class RelyingParty {
  readonly config: client.Configuration;
  constructor(config: client.Configuration) {
    this.config = config;
  }

  static async discover(
    issuer: string,
    clientId = 'first-party-app',
    secret?: string,
    /** Another client authentication method (client_secret_post, private_key_jwt). */
    auth?: client.ClientAuth,
  ): Promise<RelyingParty> {
    const config = await client.discovery(
      new URL(issuer),
      clientId,
      undefined,
      auth ?? (secret ? client.ClientSecretBasic(secret) : client.None()),
      { execute: [client.allowInsecureRequests] },
    );
    return new RelyingParty(config);
  }

  async authorize(params: Record<string, string> = {}): Promise<Authorization> {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(this.config, {
      redirect_uri: RP_REDIRECT,
      // Like most client libraries' defaults: offline access asked for, so refresh tokens come (I1).
      scope: 'openid email offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...params,
    });
    return { url, verifier, state, nonce };
  }

  /** Exchanges the code at the callback URL; openid-client validates state, nonce, iss, aud, signature. */
  async callback(callbackUrl: string, auth: Authorization, checks: { maxAge?: number } = {}) {
    return client.authorizationCodeGrant(this.config, new URL(callbackUrl), {
      pkceCodeVerifier: auth.verifier,
      expectedState: auth.state,
      expectedNonce: auth.nonce,
      idTokenExpected: true,
      ...checks,
    });
  }
}

export const isCallback = (url: URL) => url.href.startsWith(RP_REDIRECT);

/** Runs the authorization request up to the first hosted page (or the callback). */
export function open(browser: Browser, auth: Authorization): Promise<Page> {
  return browser.follow(auth.url, isCallback);
}

/** From a sign-in page, submits credentials; returns the next page or the callback. */
export function submitPassword(browser: Browser, page: Page, email: string, password: string): Promise<Page> {
  if (!/name="password"/.test(page.text))
    throw new Error(`not a sign-in page: ${textOf(page.text).slice(0, 300)}`);
  return browser.submit(page, { email, password }, /\/login$/, isCallback);
}

/** An authorization request, its sign-in page submitted (when shown): the callback or the next page. */
export async function passwordStep(
  browser: Browser,
  rp: RelyingParty,
  email: string,
  password: string,
  params: Record<string, string> = {},
) {
  const auth = await rp.authorize(params);
  const first = await open(browser, auth);
  const page = first.status === 0 ? first : await submitPassword(browser, first, email, password);
  return { auth, page };
}

/** Password-only sign-in to the callback; throws if any other page appears. */
export async function signInWithPassword(
  browser: Browser,
  rp: RelyingParty,
  email: string,
  password: string,
  params: Record<string, string> = {},
) {
  const { auth, page: done } = await passwordStep(browser, rp, email, password, params);
  if (done.status !== 0)
    throw new Error(`expected the callback, got ${done.status}: ${textOf(done.text).slice(0, 300)}`);
  return { auth, callbackUrl: done.url, tokens: await rp.callback(done.url, auth) };
}
