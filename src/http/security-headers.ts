// Conservative headers on every response: no framing, no sniffing; HSTS in production (I6).
// Every HTML page carries a CSP with form-action (I6): our pages (render.ts) and the provider's own
// (form_post and logout auto-submit pages, which add their inline script's hash to the CSP they
// find, so a default is set before the provider runs).
//
// form-action: browsers apply it to the whole redirect chain after a form submission, and our
// forms end at a relying party — the MFA or consent form → /auth/… → redirect_uri, the logout
// confirmation → post_logout_redirect_uri, form_post → redirect_uri. So it allows 'self' plus the
// origins of the registered clients' redirect and post-logout URIs.
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';

const PAGE_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";
export const HSTS = 'max-age=63072000; includeSubDomains';

/** CSP source for a redirect URI: its origin, or its scheme for a native app's custom scheme. */
function sourceOf(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
  } catch {
    return undefined;
  }
}

export function formActionSources(
  issuer: string,
  clients: { redirect_uris: string[]; post_logout_redirect_uris?: string[] }[],
): string[] {
  const uris = clients.flatMap((c) => [...c.redirect_uris, ...(c.post_logout_redirect_uris ?? [])]);
  const self = new URL(issuer).origin;
  const others = uris.map(sourceOf).filter((s): s is string => Boolean(s) && s !== self);
  return ["'self'", ...new Set(others)];
}

/** The CSP of an HTML page; render.ts reads the form-action sources from ctx.state. */
export function pageCsp(ctx: Context): string {
  const sources = (ctx.state.formAction as string[] | undefined) ?? ["'self'"];
  return `${PAGE_CSP}; form-action ${sources.join(' ')}`;
}

export interface SecurityHeaderOptions {
  production: boolean;
  trustProxy: boolean;
  /** The form-action sources, read per request (A2: clients change while the server runs). */
  formAction: () => Promise<string[]>;
  logger: Logger;
}

export function securityHeaders(options: SecurityHeaderOptions) {
  let warned = false;
  return async function securityHeadersMiddleware(ctx: Context, next: Next): Promise<void> {
    // A store error only narrows the CSP to 'self' (stricter, never weaker); the page's own
    // store calls then answer X2's 503.
    ctx.state.formAction = await options.formAction().catch(() => ["'self'"]);
    if (options.production && options.trustProxy && !ctx.get('x-forwarded-proto') && !warned) {
      // I6: behind TRUST_PROXY the proxy's X-Forwarded-Proto is what makes cookies Secure.
      warned = true;
      options.logger.warn(
        'TRUST_PROXY is on but a request came without X-Forwarded-Proto: cookies are sent without Secure. ' +
          'Make the proxy set X-Forwarded-Proto (see README, "Behind a proxy").',
      );
    }
    const preset = pageCsp(ctx);
    ctx.set('content-security-policy', preset);
    await next();
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('x-frame-options', 'DENY');
    ctx.set('referrer-policy', 'no-referrer');
    if (options.production) ctx.set('strict-transport-security', HSTS);
    if (!ctx.response.is('html') && ctx.response.get('content-security-policy') === preset) {
      ctx.remove('content-security-policy');
    }
  };
}
