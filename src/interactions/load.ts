// Loads the interaction behind /interaction/:uid. The provider checks the signed `_interaction`
// cookie against the uid; an unknown, expired, finished or foreign interaction is a 400 page.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import { interactionExpired } from '../http/errors.ts';
import { StoreUnavailableError } from '../store/ports.ts';

export async function loadInteraction(
  ctx: Context,
  provider: Provider,
  prompt?: string,
): Promise<Interaction> {
  let details: Interaction;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw err;
    throw interactionExpired();
  }
  if (details.uid !== ctx.params.uid) throw interactionExpired();
  if (prompt && details.prompt.name !== prompt) throw interactionExpired();
  return details;
}

export function clientNameOf(provider: Provider, clientId: unknown): Promise<string> {
  return provider.Client.find(String(clientId)).then(
    (c) => (c?.clientName as string | undefined) ?? String(clientId),
  );
}
