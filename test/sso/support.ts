// Helpers of the SSO tests: connecting an organization to an upstream (the same code path as the
// CLI) and signing in through it like a person would.
import { buildSettings, type SsoSettingsInput } from '../../src/sso/settings.ts';
import type { Organization, Plan, Role } from '../../src/store/records.ts';
import type { Browser, Page } from '../support/browser.ts';
import { isCallback } from '../support/rp.ts';
import type { TestServer } from '../support/server.ts';
import type { Upstream } from './upstream.ts';

export const PASSWORD = 'a long and correct password';

export async function ssoOrg(
  server: TestServer,
  name: string,
  opts: {
    plan?: Plan;
    enforced?: boolean;
    upstream?: Upstream;
    /** Instead of an upstream: an issuer nobody answers at (a broken connection). */
    issuer?: string;
    domains: string[];
  } & Partial<Pick<SsoSettingsInput, 'trustUpstreamMfaOnly' | 'jitProvisioning'>>,
): Promise<Organization> {
  const { sor, config } = server.services;
  const org = await sor.createOrg({ name, plan: opts.plan ?? 'paid' });
  const sso = buildSettings(
    config,
    org.id,
    {
      issuer: opts.upstream?.issuer ?? opts.issuer ?? '',
      clientId: opts.upstream?.clientId ?? 'deadbolt',
      clientSecret: opts.upstream?.clientSecret ?? 'no-secret-for-a-dead-issuer',
      domains: opts.domains,
      trustUpstreamMfaOnly: opts.trustUpstreamMfaOnly,
      jitProvisioning: opts.jitProvisioning,
    },
    null,
  );
  return (await sor.updateOrg(org.id, { sso, ssoEnforced: opts.enforced ?? false }))!;
}

export async function member(server: TestServer, email: string, orgs: Organization[], role: Role = 'member') {
  const id = await server.createUser(email, PASSWORD);
  for (const org of orgs) await server.services.sor.setMembership(id, org.id, role);
  return id;
}

/** The e-mail step (L1): only the address, no password — home-realm discovery decides. */
export function emailStep(browser: Browser, page: Page, email: string): Promise<Page> {
  return browser.submit(page, { email, password: '' }, /\/login$/, isCallback);
}

/** The "Sign in with SSO" button of the sign-in form (its formaction). */
export function ssoButton(browser: Browser, page: Page, email: string): Promise<Page> {
  const action = /id="sso" formaction="([^"]+)"/.exec(page.text)?.[1];
  if (!action) throw new Error('no SSO button on the page');
  return browser
    .request(new URL(action, page.url), { form: { email, password: '' } })
    .then((res) => browser.follow(res.url, isCallback, res));
}
