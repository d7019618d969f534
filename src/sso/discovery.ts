// Upstream discovery with openid-client 6, cached in-process (F1). The cache key is everything the
// Configuration depends on (issuer, client id, sealed secret, http allowance), so a connection the
// CLI changes in another process is re-discovered at its next use. A failure is cached briefly and
// reported with its reason: a broken connection is shown as broken, never silently skipped.
import * as client from 'openid-client';
import type { Config } from '../config/index.ts';
import type { SsoSettings } from '../store/records.ts';
import { clientSecretOf } from './settings.ts';

export type DiscoveryOutcome =
  | { ok: true; configuration: client.Configuration; checkedAt: Date }
  | { ok: false; reason: string; checkedAt: Date };

interface Entry {
  expires: number;
  outcome: Promise<DiscoveryOutcome>;
}

const FAILURE_TTL_MS = 15_000;
const MAX_ENTRIES = 1000;
const cache = new Map<string, Entry>();

/** A short, operator-readable reason (no secrets: openid-client messages carry none). */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (
    let e = err as { message?: unknown; code?: unknown; cause?: unknown } | undefined, i = 0;
    e && i < 4;
    i++
  ) {
    const message = typeof e.message === 'string' ? e.message : String(e);
    const code = typeof e.code === 'string' && !message.includes(e.code) ? ` (${e.code})` : '';
    parts.push(`${message}${code}`);
    e = e.cause as typeof e;
  }
  return (parts.join(': ') || 'unknown error').slice(0, 300);
}

export function discover(
  config: Pick<Config, 'factorKeys' | 'sso'>,
  orgId: string,
  sso: SsoSettings,
): Promise<DiscoveryOutcome> {
  const key = JSON.stringify([orgId, sso.issuer, sso.clientId, sso.clientSecretEnc, config.sso.allowHttp]);
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.expires > now) return hit.outcome;
  if (cache.size >= MAX_ENTRIES) {
    for (const [k, v] of cache) if (v.expires <= now) cache.delete(k);
    if (cache.size >= MAX_ENTRIES) cache.clear();
  }
  const entry: Entry = { expires: now + config.sso.discoveryTtlSeconds * 1000, outcome: run() };
  cache.set(key, entry);
  entry.outcome.then((o) => {
    if (!o.ok) entry.expires = Math.min(entry.expires, Date.now() + FAILURE_TTL_MS);
  });
  return entry.outcome;

  async function run(): Promise<DiscoveryOutcome> {
    const checkedAt = new Date();
    try {
      const issuer = new URL(sso.issuer);
      if (issuer.protocol === 'http:' && !config.sso.allowHttp) {
        return { ok: false, reason: 'http:// issuers are not allowed (SSO_ALLOW_HTTP=false)', checkedAt };
      }
      const secret = clientSecretOf(config, orgId, sso);
      const configuration = await client.discovery(
        issuer,
        sso.clientId,
        undefined,
        secret === undefined ? client.None() : client.ClientSecretBasic(secret),
        {
          timeout: config.sso.httpTimeoutSeconds,
          // ID tokens from the token endpoint get their signature checked too (openid-client
          // would otherwise rely on TLS alone, OIDC Core §3.1.3.7 item 6).
          execute: [
            client.enableNonRepudiationChecks,
            ...(issuer.protocol === 'http:' ? [client.allowInsecureRequests] : []),
          ],
        },
      );
      const meta = configuration.serverMetadata();
      if (!meta.authorization_endpoint || !meta.token_endpoint || !meta.jwks_uri) {
        return {
          ok: false,
          reason: 'discovery document lacks an authorization, token or jwks endpoint',
          checkedAt,
        };
      }
      return { ok: true, configuration, checkedAt };
    } catch (err) {
      return { ok: false, reason: describeError(err), checkedAt };
    }
  }
}

/** Forgets cached discoveries (tests, and after an operator changes a connection in-process). */
export function clearDiscoveryCache(): void {
  cache.clear();
}
