// X9: an organization's logo and theme, served from our origin so the pages' strict CSP
// (img-src/style-src 'self') holds. URLs carry a version (?v=), so both are cached for a year.
import Router from '@koa/router';
import type { Context } from 'koa';
import { notFound } from '../http/errors.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import { checkAccent } from './colour.ts';

const LONG_CACHE = 'public, max-age=31536000, immutable';

function common(ctx: Context): void {
  ctx.set('cache-control', LONG_CACHE);
  ctx.set('x-content-type-options', 'nosniff');
  // Opened on its own, the file runs nothing and embeds nothing.
  ctx.set('content-security-policy', "default-src 'none'; sandbox");
}

/** The theme: the accent as a custom property, applied to the primary controls. */
export function themeCss(accent: string): string {
  return [
    `:root { --accent: ${accent}; }`,
    'button:not(.secondary):not(.danger), a.button:not(.danger) { background: var(--accent); }',
    'header { border-bottom: 3px solid var(--accent); }',
    '',
  ].join('\n');
}

export function brandingRouter(sor: SystemOfRecord): Router {
  const router = new Router({ prefix: '/branding/:orgId' });
  router.get('/logo', async (ctx) => {
    const logo = await sor.findBrandingLogo(ctx.params.orgId);
    if (!logo) throw notFound();
    common(ctx);
    ctx.type = logo.type;
    ctx.body = Buffer.from(logo.bytes);
  });
  router.get('/theme.css', async (ctx) => {
    const b = await sor.findBranding(ctx.params.orgId);
    const accent = b?.accentColor ? checkAccent(b.accentColor) : undefined;
    if (!accent?.ok) throw notFound(); // a row edited by hand never reaches the CSS
    common(ctx);
    ctx.type = 'text/css; charset=utf-8';
    ctx.body = themeCss(accent.colour);
  });
  return router;
}
