// I4: OpenID Connect Back-Channel Logout 1.0. The provider sends logout tokens itself on
// RP-initiated logout (features.backchannelLogout); this module sends them for the sessions that
// endEverything (V3) destroys — sign out everywhere, end other sessions, an MFA reset, a lockout —
// through the provider's own Client#backchannelLogout, as its end_session action does.
// Delivery failures are logged and never block the reset.
import Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { SessionEndNotifier } from '../core/sessions.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import { createClientRegistry } from './client-registry.ts';
import { CLIENT_PROPERTIES, type ClientConfig, toMetadata } from './clients.ts';

/** Client#backchannelLogout exists in oidc-provider 9 but not in its type declarations. */
interface BackchannelClient {
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * The provider's `fetch`: the stock one (its SSRF guard refuses special-use addresses), except
 * that with OIDC_FETCH_ALLOW_LOOPBACK loopback URLs skip the guard (development and tests).
 */
export function providerFetch(allowLoopback: boolean) {
  return (input: string | URL | Request, init: RequestInit & { dispatcher?: unknown } = {}) => {
    const url = input instanceof Request ? input.url : input;
    if (allowLoopback && LOOPBACK.test(new URL(url).hostname)) {
      const { dispatcher: _guard, ...rest } = init;
      return globalThis.fetch(input, rest);
    }
    return globalThis.fetch(input, init);
  };
}

/** Logs the provider's own back-channel outcomes (RP-initiated logout). */
export function logBackchannelEvents(provider: Provider, logger: Logger): void {
  provider.on('backchannel.error', (_ctx, err, client) =>
    logger.warn({ err, clientId: client?.clientId }, 'back-channel logout not delivered'),
  );
}

/** Sends a logout token to every relying party of a destroyed session that registered a URI. */
export function createBackchannelNotifier(provider: Provider, logger: Logger): SessionEndNotifier {
  return async (session) => {
    // Only clients the session holds a grant for: an authorization without one (e.g. a third-party
    // sign-in stopped at consent) gave the relying party nothing to log out. A session that stopped
    // at the MFA step may still be notified; the relying party ignores a sid it never saw.
    const entries = Object.entries(session.authorizations ?? {}).filter(([, a]) => a.grantId);
    await Promise.all(
      entries.map(async ([clientId, { sid }]) => {
        try {
          const client = (await provider.Client.find(clientId)) as BackchannelClient | undefined;
          if (!client?.backchannelLogoutUri) return;
          await client.backchannelLogout(session.accountId, sid ?? '');
        } catch (err) {
          logger.warn({ err, clientId }, 'back-channel logout not delivered');
        }
      }),
    );
  };
}

/**
 * For the CLI (`mfa reset`), which runs no server: a provider with only what logout tokens need
 * (issuer, signing keys, the clients of the system of record, A2), so a support reset logs out
 * relying parties too.
 */
export async function createStandaloneNotifier(
  config: Config,
  logger: Logger,
  sor: SystemOfRecord,
): Promise<SessionEndNotifier> {
  const registry = createClientRegistry(sor, config, []);
  const listed = await registry.list();
  const clients = (await Promise.all(listed.map((c) => registry.find(c.client_id)))).filter(
    (c): c is ClientConfig => c !== undefined,
  );
  const provider = new Provider(config.issuer, {
    clients: clients.map(toMetadata),
    jwks: config.jwks,
    extraClientMetadata: { properties: CLIENT_PROPERTIES },
    features: { backchannelLogout: { enabled: true }, devInteractions: { enabled: false } },
    fetch: providerFetch(config.oidcFetchAllowLoopback),
  });
  return createBackchannelNotifier(provider, logger);
}
