// V4: every URL Deadbolt and the provider emit is built from ISSUER, never from the request.
// node-oidc-provider builds its URLs (discovery, Location headers, form actions) from `ctx.href`,
// i.e. protocol + Host (or X-Forwarded-Host when proxied) + the request target; a client could
// otherwise rename the issuer (cache-poisoning the discovery document) or steer redirects off-site.
//
// Choice: a request whose Host names something else is still answered, with issuer-based URLs
// (health checks and load balancers send odd hosts); it cannot change any URL we emit.
// Forwarded headers may only say that the request was secure (X-Forwarded-Proto exactly `https`
// or `http`, for Secure cookies) and which client it came from (X-Forwarded-For, app.maxIpsCount).
import type Koa from 'koa';
import type { Context, Next } from 'koa';

/**
 * A same-origin relative path: exactly one leading `/`, never `//` or `/\` (which browsers read as
 * another host), dot segments resolved, unsafe characters percent-encoded. Query and fragment are
 * dropped; `target` may be a path or an absolute-form request target.
 */
export function sameOriginPath(target: string): string {
  const local = (p: string) => `/${p.replace(/^[/\\]+/, '')}`;
  // The first collapse keeps the fixed base's host; the second undoes `/a/..//b` → `//b`.
  const parsed = new URL(/^[a-z][a-z0-9+.-]*:/i.test(target) ? target : local(target), 'http://x');
  return local(parsed.pathname);
}

/** The request target as a same-origin path with its query (absolute-form targets lose their host). */
function pathAndQuery(target: string): string {
  const { search } = new URL(target, 'http://x');
  return `${sameOriginPath(target)}${search}`;
}

/**
 * Pins the app's request origin to the issuer and returns the middleware that cleans the headers.
 * Mount it first: every later middleware (and the mounted provider, which shares the context) sees
 * the issuer's host and origin.
 */
export function pinToIssuer(app: Koa, issuer: string): Koa.Middleware {
  const { origin, host } = new URL(issuer);
  Object.defineProperties(app.request, {
    origin: { configurable: true, get: () => origin },
    href: {
      configurable: true,
      get(this: Koa.Request) {
        return `${origin}${this.originalUrl}`;
      },
    },
  });
  return async (ctx: Context, next: Next) => {
    const headers = ctx.req.headers;
    headers.host = host;
    delete headers['x-forwarded-host'];
    const proto = headers['x-forwarded-proto'];
    if (proto !== 'https' && proto !== 'http') delete headers['x-forwarded-proto'];
    // `GET http://evil.example/auth HTTP/1.1` (absolute form) or `GET //evil.example/x`: answer it,
    // as the same-origin path it names.
    if (!/^\/(?![/\\])/.test(ctx.originalUrl)) {
      const target = pathAndQuery(ctx.originalUrl);
      ctx.originalUrl = target;
      ctx.request.originalUrl = target;
      ctx.url = target;
    }
    await next();
  };
}
