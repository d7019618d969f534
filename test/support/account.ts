// Signing in to the account pages (/account/*) as a person would, MFA step included.
import assert from 'node:assert/strict';
import { seal } from '../../src/crypto/sealed.ts';
import { totpAad } from '../../src/mfa/totp/factor.ts';
import { createTotpSecret } from '../../src/mfa/totp/totp.ts';
import { type Browser, type Page, textOf } from './browser.ts';
import { appCode, isMfaChallenge } from './mfa.ts';
import type { TestServer } from './server.ts';

/** Signs in through /account/login and returns the page reached (normally /account/security). */
export async function accountSignIn(
  browser: Browser,
  server: TestServer,
  email: string,
  password: string,
  secret?: string,
  step = 1,
): Promise<Page> {
  let page = await browser.follow(new URL('/account/login', server.issuer));
  assert.match(page.text, /name="password"/, 'the sign-in page');
  page = await browser.submit(page, { email, password }, /\/login$/);
  if (isMfaChallenge(page)) {
    if (!secret) throw new Error('MFA asked but no secret given');
    page = await browser.submit(page, { code: await appCode(secret, step) }, /\/mfa\/verify$/);
  }
  assert.equal(page.status, 200, textOf(page.text).slice(0, 300));
  return page;
}

export function csrfOf(page: Page): string {
  const m = /name="csrf" value="([^"]+)"/.exec(page.text);
  if (!m) throw new Error('no csrf token on page');
  return m[1];
}

/** Gives a user an authenticator app (and 4 used-up-free backup code rows) directly in the store. */
export async function giveTotp(server: TestServer, userId: string): Promise<string> {
  const { sor, config } = server.services;
  const secret = createTotpSecret();
  await sor.insertFactor({
    userId,
    type: 'totp',
    secretEnc: seal(config.factorKeys, secret, totpAad(userId)),
  });
  return secret;
}
