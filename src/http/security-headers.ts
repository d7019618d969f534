// Conservative headers on every response: no framing, no sniffing. Our own pages add a strict
// CSP in render.ts (the provider's form_post pages need their inline submit script).
import type { Context, Next } from 'koa';

export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  await next();
  ctx.set('x-content-type-options', 'nosniff');
  ctx.set('x-frame-options', 'DENY');
  ctx.set('referrer-policy', 'no-referrer');
}
