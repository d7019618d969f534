// E3: the client behind the security pages' sign-in on a host (src/extension/account-routes.ts):
// configure() adds it to the host's clients, and its authorization requests get their grant
// without a consent prompt (it is Deadbolt's own page on the host's origin asking for `openid`);
// every other client's grant is the host's loadExistingGrant's (or the provider's default).
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { ACCOUNT_CLIENT_ID, accountClient } from '../account/login.ts';
import { DeadboltConfigurationError } from './errors.ts';

type LoadExistingGrant = NonNullable<Configuration['loadExistingGrant']>;

/** The provider's default: the consent's grant, or the one this session has for the client. */
const providerDefault: LoadExistingGrant = async (ctx: KoaContextWithOIDC) => {
  const { result, session, client } = ctx.oidc;
  const grantId =
    (result?.consent?.grantId as string | undefined) ?? session?.grantIdFor(client?.clientId ?? '');
  return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
};

/** The host's configuration with the pages' client and its consent-free grant. */
export function withAccountClient(host: Configuration, issuer: string): Configuration {
  const clients = host.clients ?? [];
  if (clients.some((c) => c.client_id === ACCOUNT_CLIENT_ID)) {
    throw new DeadboltConfigurationError(
      `clients has a client "${ACCOUNT_CLIENT_ID}" (Deadbolt's security pages sign in with it); rename it, or pass accountPages: false`,
    );
  }
  // Without the reference server's `first_party` property (a host's provider does not know it).
  const { first_party: _, ...client } = accountClient(issuer);
  const hostGrant = host.loadExistingGrant ?? providerDefault;
  return {
    ...host,
    clients: [...clients, client],
    async loadExistingGrant(ctx) {
      const { client: asking, session } = ctx.oidc;
      if (asking?.clientId !== ACCOUNT_CLIENT_ID) return hostGrant(ctx);
      if (!session?.accountId) return undefined;
      const { Grant } = ctx.oidc.provider;
      const id = session.grantIdFor(ACCOUNT_CLIENT_ID);
      const grant =
        (id ? await Grant.find(id) : undefined) ??
        new Grant({ clientId: ACCOUNT_CLIENT_ID, accountId: session.accountId });
      grant.addOIDCScope('openid');
      await grant.save();
      return grant;
    },
  };
}
