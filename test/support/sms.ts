// Helpers for SMS end-to-end tests: a test server whose log lines are kept (to prove no code is
// logged), the outbox as the person's phone, and the SMS pages read like a person would.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { type OutboxEntry, readOutbox } from '../../src/sms/index.ts';
import { Browser, type Page, textOf } from './browser.ts';
import { isCallback } from './rp.ts';
import { type StoreMode, startTestServer, type TestServer, type TestServerOptions } from './server.ts';

export const PASSWORD = 'a long and correct password';
export const ORIGINATORS = ['10101', '20202', '30303', '40404', '50505', '60606', '70707', '80808'];

export interface SmsTestServer extends TestServer {
  outbox(phone?: string): Promise<OutboxEntry[]>;
  /** The code in the last message sent to `phone`. */
  lastCode(phone: string): Promise<string>;
  /** Gives a user an SMS factor directly (for tests that are not about enrollment). */
  giveSms(userId: string, e164: string): Promise<void>;
}

/** startTestServer with the log lines kept, an originator pool, and the outbox as the phone. */
export async function startSmsServer(
  mode: StoreMode,
  options: { env?: Record<string, string>; clients?: TestServerOptions['clients'] } = {},
): Promise<SmsTestServer> {
  const server = await startTestServer(mode, {
    captureLogs: true,
    env: { SMS_ORIGINATORS: ORIGINATORS.join(','), ...options.env },
    clients: options.clients,
  });
  const { config, sor } = server.services;
  const stopServer = server.stop;
  const outbox = async (phone?: string) =>
    (await readOutbox(config.sms.outboxFile)).filter((e) => phone === undefined || e.to === phone);
  return Object.assign(server, {
    outbox,
    async lastCode(phone: string) {
      const body = (await outbox(phone)).at(-1)?.body ?? '';
      const code = /\b(\d{6})\b/.exec(body)?.[1];
      if (!code) throw new Error(`no SMS code sent to ${phone}`);
      return code;
    },
    async giveSms(userId: string, e164: string) {
      await sor.insertFactor({ userId, type: 'sms', data: { phone: e164 } });
    },
    async stop() {
      await stopServer();
      await rm(config.sms.outboxFile, { force: true });
    },
  });
}

/** A browser that says which client address it is (TRUST_PROXY=true), for per-IP budgets. */
export class ForwardedBrowser extends Browser {
  readonly ip: string;
  constructor(ip: string) {
    super();
    this.ip = ip;
  }
  override request(url: string | URL, init: Parameters<Browser['request']>[1] = {}): Promise<Page> {
    return super.request(url, { ...init, headers: { 'x-forwarded-for': this.ip, ...init.headers } });
  }
}

/** Japanese mobile numbers for tests: national form and E.164. */
export function jpMobile(n: number): { national: string; e164: string } {
  const last = String(n).padStart(4, '0');
  return { national: `090-5555-${last}`, e164: `+81905555${last}` };
}

export const isSmsChallenge = (page: Page) =>
  page.status !== 0 && /name="method" value="sms"/.test(page.text) && /\/mfa\/verify"/.test(page.text);
export const isSmsPhonePage = (page: Page) => page.status !== 0 && /\/enroll\/sms\/send"/.test(page.text);
export const isSmsCodePage = (page: Page) => page.status !== 0 && /\/enroll\/sms\/confirm"/.test(page.text);

/** From the app's enrollment page, follows "Set up text messages (SMS)". */
export async function chooseSms(browser: Browser, page: Page): Promise<Page> {
  const href = /<a href="([^"]*\?enroll=sms)">/.exec(page.text)?.[1];
  if (!href) throw new Error(`no SMS choice on page: ${textOf(page.text).slice(0, 300)}`);
  return browser.follow(new URL(href.replace(/&amp;/g, '&'), page.url), isCallback);
}

export function sendTo(browser: Browser, page: Page, phone: string, country = 'JP'): Promise<Page> {
  assert.ok(isSmsPhonePage(page), `not the phone page: ${textOf(page.text).slice(0, 300)}`);
  return browser.submit(page, { country, phone }, /\/enroll\/sms\/send$/, isCallback);
}

export function confirmEnrollment(browser: Browser, page: Page, code: string): Promise<Page> {
  return browser.submit(page, { code }, /\/enroll\/sms\/confirm$/, isCallback);
}

export function resendChallenge(browser: Browser, page: Page): Promise<Page> {
  return browser.submit(page, {}, /\/mfa\/resend$/, isCallback);
}

/** The pattern of a plaintext code in a dump or a log: the 6 digits not inside a longer token. */
export function bareCode(code: string): RegExp {
  return new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`);
}
