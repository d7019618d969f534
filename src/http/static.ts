// The static files the hosted pages use: the stylesheet, the copy-to-clipboard script and the
// audit log's time-zone helper (A5).
import { readFileSync } from 'node:fs';
import type { Context, Next } from 'koa';

const files: Record<string, { type: string; body: Buffer }> = {
  '/static/style.css': {
    type: 'text/css; charset=utf-8',
    body: readFileSync(new URL('../../static/style.css', import.meta.url)),
  },
  '/static/copy.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(new URL('../../static/copy.js', import.meta.url)),
  },
  '/static/tz.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(new URL('../../static/tz.js', import.meta.url)),
  },
};

export async function serveStatic(ctx: Context, next: Next): Promise<void> {
  const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? files[ctx.path] : undefined;
  if (!file) return next();
  ctx.type = file.type;
  ctx.set('cache-control', 'public, max-age=3600');
  ctx.body = file.body;
}
