// Helpers for MFA end-to-end tests: read the enrollment page like a person with an authenticator
// app would (the secret next to the QR code), and produce app codes with otplib.
import { generate } from 'otplib';
import { TOTP_OPTIONS } from '../../src/mfa/totp/totp.ts';
import { type Browser, type Page, textOf } from './browser.ts';
import { isCallback } from './rp.ts';

/** The manual-entry secret shown on the enrollment page. */
export function secretFromPage(page: Page): string {
  // The key is shown in groups of 4, one <span class="group"> each (issue 16 item 4).
  const m = /<code class="secret" id="secret">((?:<span class="group">[A-Z2-7]+<\/span> ?)+)<\/code>/.exec(
    page.text,
  );
  if (!m) throw new Error(`no TOTP secret on page: ${textOf(page.text).slice(0, 400)}`);
  return m[1].replace(/<[^>]+>| /g, '');
}

/** The code the app shows `offsetSteps` time steps from now. */
export function appCode(secret: string, offsetSteps = 0): Promise<string> {
  return generate({ ...TOTP_OPTIONS, secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
}

export function backupCodesFromPage(page: Page): string[] {
  const list = /<ul class="codes" id="backup-codes">([\s\S]*?)<\/ul>/.exec(page.text);
  if (!list) throw new Error(`no backup codes on page: ${textOf(page.text).slice(0, 400)}`);
  return [...list[1].matchAll(/<li>([^<]+)<\/li>/g)].map((m) => m[1].trim());
}

export function isMfaChallenge(page: Page): boolean {
  return page.status !== 0 && /action="[^"]*\/mfa\/verify"/.test(page.text);
}

export function isEnrollment(page: Page): boolean {
  return page.status !== 0 && /\/enroll\/totp\/confirm"/.test(page.text);
}

/** Submits a code on the MFA challenge page (the method is the page's own). */
export function submitCode(browser: Browser, page: Page, code: string): Promise<Page> {
  return browser.submit(page, { code }, /\/mfa\/verify$/, isCallback);
}

/** Follows the "Done" link on the backup-codes page to the relying party. */
export function finishFromCodesPage(browser: Browser, page: Page): Promise<Page> {
  const href = /<a href="([^"]+)" class="button" id="done">/.exec(page.text)?.[1];
  if (!href) throw new Error('no Done link');
  return browser.follow(new URL(href.replace(/&amp;/g, '&'), page.url), isCallback);
}
