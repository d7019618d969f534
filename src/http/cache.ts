// The provider serves discovery and the JWKS without cache-control. Both are public and identical
// for every client (their URLs come from ISSUER, V4), so shared caches may keep them a few minutes;
// a key rotation reaches relying parties within that time.
import type { Context, Next } from 'koa';

const PUBLIC_DOCUMENTS = new Set(['/.well-known/openid-configuration', '/jwks']);

export async function publicDocumentCache(ctx: Context, next: Next): Promise<void> {
  await next();
  if (ctx.status === 200 && PUBLIC_DOCUMENTS.has(ctx.path) && !ctx.response.get('cache-control')) {
    ctx.set('cache-control', 'public, max-age=300');
  }
}
