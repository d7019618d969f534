// G4 helpers: sign in with the app's code (ticking "don't ask again on this device" or not), end the
// browser's session but keep its remembered-device cookie (as when a session expires), and read the
// ID token's amr/acr.
import assert from 'node:assert/strict';
import { REMEMBER_COOKIE } from '../../src/mfa/remembered-device.ts';
import { Browser, type Page, textOf } from './browser.ts';
import { appCode, isMfaChallenge } from './mfa.ts';
import { isCallback, passwordStep, type RelyingParty } from './rp.ts';

export const hasRememberBox = (page: Page) => /name="remember"/.test(page.text);

/** The browser forgets everything but its remembered device (the provider's session is gone). */
export function endBrowserSession(browser: Browser): void {
  for (const [key, cookie] of browser.jar) if (cookie.name !== REMEMBER_COOKIE) browser.jar.delete(key);
}

export const rememberCookie = (browser: Browser) =>
  [...browser.jar.values()].find((c) => c.name === REMEMBER_COOKIE)?.value;

/** Password, then the app's code (with the box ticked when `remember`); returns the tokens. */
export async function signInWithCode(
  browser: Browser,
  rp: RelyingParty,
  who: { email: string; password: string; secret: string },
  opts: { remember?: boolean; step?: number; params?: Record<string, string> } = {},
) {
  const { auth, page } = await passwordStep(browser, rp, who.email, who.password, opts.params);
  assert.ok(isMfaChallenge(page), `the MFA step: ${textOf(page.text).slice(0, 200)}`);
  const offered = hasRememberBox(page);
  const fields: Record<string, string> = { code: await appCode(who.secret, opts.step ?? 0) };
  if (opts.remember) fields.remember = 'yes';
  const done = await browser.submit(page, fields, /\/mfa\/verify$/, isCallback);
  assert.equal(done.status, 0, textOf(done.text).slice(0, 200));
  return { offered, tokens: await rp.callback(done.url, auth) };
}

/** The ID token's amr and acr. */
export function authOf(tokens: { claims(): Record<string, unknown> | undefined }) {
  const claims = tokens.claims() ?? {};
  return { amr: claims.amr as string[], acr: claims.acr as string };
}

export const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
export const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1';

/** A browser that sends a user agent (the security page names the browser from it). */
export class NamedBrowser extends Browser {
  readonly userAgent: string;
  constructor(userAgent: string) {
    super();
    this.userAgent = userAgent;
  }
  override request(url: string | URL, init: Parameters<Browser['request']>[1] = {}) {
    return super.request(url, { ...init, headers: { 'user-agent': this.userAgent, ...init.headers } });
  }
}
