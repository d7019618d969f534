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
 * provider.interactionDetails in two halves, so the MFA step can run the session check alongside
 * its other reads (one Redis round trip fewer on every MFA request). The same checks, in the same
 * order of strictness: the signed `_interaction` cookie names this uid, the interaction exists…
 */
export async function findInteraction(ctx: Context, provider: Provider): Promise<Interaction> {
  const id = ctx.cookies.get(provider.cookieName('interaction'), { signed: true });
  if (!id || id !== ctx.params.uid) throw interactionExpired();
  const interaction = await provider.Interaction.find(id);
  if (!interaction) throw interactionExpired();
  return interaction;
}

/** …and its session still exists and still belongs to the same account. */
export async function checkInteractionSession(provider: Provider, interaction: Interaction): Promise<void> {
  const { session } = interaction;
  if (!session?.uid) return;
  const current = await provider.Session.findByUid(session.uid);
  if (!current || current.accountId !== session.accountId) throw interactionExpired();
}

export function clientNameOf(provider: Provider, clientId: unknown): Promise<string> {
  return provider.Client.find(String(clientId)).then(
    (c) => (c?.clientName as string | undefined) ?? String(clientId),
  );
}
