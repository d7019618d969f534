// The static files the hosted pages use: the stylesheet, the copy-to-clipboard script, the
// audit log's time-zone helper (A5) and the passkey scripts (W1–W3).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
  // W1–W3: the passkey page script, and @simplewebauthn/browser's bundle from our own origin.
  '/static/passkey.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(new URL('../../static/passkey.js', import.meta.url)),
  },
  '/static/webauthn.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(
      new URL(
        '../dist/bundle/index.umd.min.js',
        `file://${createRequire(import.meta.url).resolve('@simplewebauthn/browser')}`,
      ),
    ),
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
