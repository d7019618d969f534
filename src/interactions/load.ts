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

/**
 * The interaction named by the signed `_interaction` cookie, read ahead of
 * provider.interactionDetails so a caller can start the reads that depend on it (its user, its
 * session's marks) alongside the provider's own checks; the request memo
 * (src/store/ephemeral/request-memo.ts) answers the provider's second read of it.
 */
export async function peekInteraction(ctx: Context, provider: Provider): Promise<Interaction> {
  const id = ctx.cookies.get(provider.cookieName('interaction'), { signed: true });
  if (!id || id !== ctx.params.uid) throw interactionExpired();
  const interaction = await provider.Interaction.find(id);
  if (!interaction) throw interactionExpired();
  return interaction;
}

export function clientNameOf(provider: Provider, clientId: unknown): Promise<string> {
  return provider.Client.find(String(clientId)).then(
    (c) => (c?.clientName as string | undefined) ?? String(clientId),
  );
}
