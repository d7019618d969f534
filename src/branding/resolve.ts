// X9: which organization's branding a hosted page shows. A sign-in (/interaction/*) is branded by
// its client's `org_id`, else, at the e-mail step, by the organization whose SSO domain the
// address is in; an organization's account pages (/account/organizations/:id) by that
// organization. The answer goes to ctx.state.branding, which the layout reads.
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { Services } from '../services.ts';
import type { OrgBranding } from '../store/records.ts';

const ORG_PAGE = /^\/account\/organizations\/([0-9a-f-]{36})(?:\/|$)/i;

async function clientOrgId(
  ctx: Context,
  provider: Provider,
  services: Services,
): Promise<string | undefined> {
  const id = ctx.cookies.get(provider.cookieName('interaction'), { signed: true });
  if (!id) return undefined;
  const interaction = await provider.Interaction.find(id);
  const clientId = interaction?.params.client_id;
  if (typeof clientId !== 'string') return undefined;
  return (await services.clients.find(clientId))?.org_id;
}

async function domainOrgId(ctx: Context, services: Services): Promise<string | undefined> {
  const email = (ctx.request as { body?: { email?: unknown } }).body?.email;
  if (ctx.method !== 'POST' || typeof email !== 'string') return undefined;
  const at = email.lastIndexOf('@');
  if (at < 0 || email.length > 320) return undefined;
  const orgs = await services.sor.findOrgsBySsoDomain(
    email
      .slice(at + 1)
      .trim()
      .toLowerCase(),
  );
  return orgs.length === 1 ? orgs[0].id : undefined; // a domain of one organization only
}

async function orgIdOf(ctx: Context, provider: Provider, services: Services): Promise<string | undefined> {
  const page = ORG_PAGE.exec(ctx.path);
  if (page) return page[1].toLowerCase();
  if (!ctx.path.startsWith('/interaction/')) return undefined;
  return (await clientOrgId(ctx, provider, services)) ?? (await domainOrgId(ctx, services));
}

export function brandingResolver(provider: Provider, services: Services) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const orgId = await orgIdOf(ctx, provider, services);
    const branding: OrgBranding | undefined = orgId ? await services.sor.findBranding(orgId) : undefined;
    if (branding) ctx.state.branding = branding;
    return next();
  };
}

/** The layout's view of the branding: a name, and versioned same-origin URLs (long-cached). */
export function brandingView(b: OrgBranding | undefined) {
  if (!b) return null;
  const base = `/branding/${b.orgId}`;
  const v = b.updatedAt.getTime();
  return {
    name: b.displayName,
    accent: b.accentColor,
    logoUrl: b.logoType ? `${base}/logo?v=${v}` : null,
    themeUrl: b.accentColor ? `${base}/theme.css?v=${v}` : null,
  };
}
