// Passkey ceremonies through the hosted pages with the fetch-based Browser: read a form's WebAuthn
// options (data-options), answer them with the software authenticator, post the response as the
// page script would.
import assert from 'node:assert/strict';
import { isPasskeyFactor } from '../../src/mfa/passkey/factor.ts';
import type { Browser, Page } from './browser.ts';
import { formAction, hiddenInputs } from './browser.ts';
import { RP_REDIRECT, type TestServer } from './server.ts';
import { type CeremonyOverrides, SoftAuthenticator } from './soft-authenticator.ts';

const unescapeHtml = (s: string) =>
  s
    .replace(/&#34;/g, '"')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The WebAuthn options of the page's ceremony form whose action matches. */
export function ceremonyOptions(page: Page, action: RegExp) {
  const form = [...page.text.matchAll(/<form\b[^>]*>/gi)]
    .map((m) => m[0])
    .find(
      (f) => /data-passkey="(register|assert)"/.test(f) && action.test(/action="([^"]*)"/.exec(f)?.[1] ?? ''),
    );
  assert.ok(form, `no passkey form for ${action} on the page`);
  return JSON.parse(unescapeHtml(/data-options="([^"]*)"/.exec(form)![1]));
}

/** Runs the page's ceremony (register or assert) and posts the result; returns the next page. */
export async function ceremony(
  browser: Browser,
  page: Page,
  action: RegExp,
  authenticator: SoftAuthenticator,
  overrides: CeremonyOverrides & { extra?: Record<string, string> } = {},
  stopAt?: (url: URL) => boolean,
): Promise<Page> {
  const options = ceremonyOptions(page, action);
  const response = options.user
    ? authenticator.register(options, overrides)
    : authenticator.assert(options, overrides);
  const url = new URL(formAction(page.text, action), page.url);
  const form = { ...hiddenInputs(page.text, action), ...overrides.extra, response: JSON.stringify(response) };
  return browser.follow(url, stopAt, await browser.request(url, { form }));
}

/** Registers a passkey for the user straight through the factor (not the pages); its authenticator. */
export async function givePasskey(
  server: TestServer,
  userId: string,
  synced = false,
): Promise<SoftAuthenticator> {
  const factor = server.mfa.factors.get('passkey');
  assert.ok(isPasskeyFactor(factor));
  const authenticator = new SoftAuthenticator({ origin: server.issuer, synced });
  const registration = factor.registration;
  const user = (await server.services.sor.findUserById(userId))!;
  const options = (await registration.start(user, `give-${userId}`)) as never;
  const response = JSON.stringify(authenticator.register(options));
  assert.ok((await registration.finish(user, `give-${userId}`, response, { actorUserId: userId })).ok);
  return authenticator;
}

/** Is this the MFA step's passkey page (its assertion form)? */
export const isPasskeyPage = (page: Page): boolean =>
  [...page.text.matchAll(/<form\b[^>]*>/gi)].some(
    (m) => /data-passkey="assert"/.test(m[0]) && /action="[^"]*\/mfa\/passkey"/.test(m[0]),
  );

/** Adds a passkey on the sign-in's enrollment page (P5, W1); the relying party's callback. */
export async function enrollPasskey(browser: Browser, page: Page, origin: string): Promise<Page> {
  const authenticator = new SoftAuthenticator({ origin });
  const done = await ceremony(browser, page, /\/mfa\/enroll\/passkey$/, authenticator, {}, (u) =>
    u.href.startsWith(RP_REDIRECT),
  );
  assert.equal(done.status, 0, done.text.slice(0, 300));
  return done;
}
