// An organization's SSO connection (SPEC Domain, F1): validation of what an operator or owner
// enters, the client secret sealed at rest (AES-256-GCM, AAD `sso:<orgId>`), and the public view
// that never carries the secret.
import type { Config } from '../config/index.ts';
import { open, seal } from '../crypto/sealed.ts';
import type { Organization, SsoSettings } from '../store/records.ts';

/** The path upstream providers redirect back to; register `${ISSUER}/sso/callback` with them. */
export const SSO_CALLBACK_PATH = '/sso/callback';

export const ssoAad = (orgId: string) => `sso:${orgId}`;

export function callbackUrl(config: Pick<Config, 'issuer'>): string {
  return `${config.issuer}${SSO_CALLBACK_PATH}`;
}

/** A settings problem an operator can fix; the message names the field. */
export class SsoSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SsoSettingsError';
  }
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

export function normalizeDomains(input: string | string[]): string[] {
  const list = (Array.isArray(input) ? input : input.split(','))
    .map((d) => d.trim().toLowerCase().replace(/^@/, '').replace(/\.$/, ''))
    .filter(Boolean);
  if (list.length === 0) throw new SsoSettingsError('domains: at least one e-mail domain is required');
  for (const d of list) {
    if (!DOMAIN.test(d)) throw new SsoSettingsError(`domains: "${d}" is not a domain name`);
  }
  return [...new Set(list)];
}

export function normalizeIssuer(input: string, allowHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new SsoSettingsError('issuer: not a URL');
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    throw new SsoSettingsError(
      allowHttp ? 'issuer: must be an http(s) URL' : 'issuer: must be an https URL (SSO_ALLOW_HTTP=false)',
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new SsoSettingsError('issuer: must not contain a query, a fragment or credentials');
  }
  return url.href.replace(/\/$/, '');
}

export function normalizeScopes(input: string | undefined): string {
  const scopes = [...new Set((input ?? 'openid email profile').split(/\s+/).filter(Boolean))];
  if (!scopes.includes('openid')) scopes.unshift('openid');
  if (!scopes.includes('email')) scopes.push('email'); // the e-mail decides the link and the domain
  for (const s of scopes) if (!SCOPE.test(s)) throw new SsoSettingsError(`scopes: "${s}" is not a scope`);
  return scopes.join(' ');
}

export interface SsoSettingsInput {
  issuer: string;
  clientId: string;
  /** undefined keeps the stored secret; null or '' makes the client public (PKCE only). */
  clientSecret?: string | null;
  scopes?: string;
  domains: string | string[];
  trustUpstreamMfaOnly?: boolean;
  jitProvisioning?: boolean;
}

/** Validated settings to store, with the secret sealed for this organization. */
export function buildSettings(
  config: Pick<Config, 'factorKeys' | 'sso'>,
  orgId: string,
  input: SsoSettingsInput,
  previous: SsoSettings | null,
): SsoSettings {
  const clientId = input.clientId.trim();
  if (!clientId || clientId.length > 255) throw new SsoSettingsError('client id: 1-255 characters');
  let clientSecretEnc: string | null;
  if (input.clientSecret === undefined) clientSecretEnc = previous?.clientSecretEnc ?? null;
  else if (input.clientSecret === null || input.clientSecret === '') clientSecretEnc = null;
  else if (input.clientSecret.length > 1024) throw new SsoSettingsError('client secret: too long');
  else clientSecretEnc = seal(config.factorKeys, input.clientSecret, ssoAad(orgId));
  return {
    issuer: normalizeIssuer(input.issuer, config.sso.allowHttp),
    clientId,
    clientSecretEnc,
    scopes: normalizeScopes(input.scopes),
    domains: normalizeDomains(input.domains),
    trustUpstreamMfaOnly: input.trustUpstreamMfaOnly ?? false,
    jitProvisioning: input.jitProvisioning ?? false,
  };
}

/** The client secret in the clear, for the token endpoint call only. */
export function clientSecretOf(config: Pick<Config, 'factorKeys'>, orgId: string, sso: SsoSettings) {
  return sso.clientSecretEnc ? open(config.factorKeys, sso.clientSecretEnc, ssoAad(orgId)) : undefined;
}

/** What may be shown (CLI, organization page): everything but the secret. */
export function publicSettings(org: Pick<Organization, 'ssoEnforced' | 'sso'>) {
  if (!org.sso) return null;
  const { issuer, clientId, clientSecretEnc, scopes, domains, trustUpstreamMfaOnly, jitProvisioning } =
    org.sso;
  return {
    issuer,
    clientId,
    clientSecret: clientSecretEnc ? 'set (sealed)' : 'none (public client)',
    scopes,
    domains,
    enforced: org.ssoEnforced,
    trustUpstreamMfaOnly,
    jitProvisioning: jitProvisioning === true,
  };
}

/** The e-mail's domain, lower-case, or undefined when it has none. */
export function domainOf(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return undefined;
  return email
    .slice(at + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, '');
}
