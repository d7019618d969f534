// Account session and CSRF as middleware (issue 10): an account route names what it needs —
// `router.post(path, account(), handler)` — and the handler reads the session with accountOf(ctx).
// The middleware loads the signed-in account session once (./session.ts: the provider's session,
// trusted only when it satisfies the MFA policy) into ctx.state.account, or sends the person to
// the sign-in and back (303). For an unsafe method it then checks the form's CSRF token against the
// session's, constant-time (403 error.csrf): a urlencoded form (parsed and size-limited by the
// app's body parser; not urlencoded: 415, no token: 400, as readForm says), or — for an upload
// (X9's logo) — a multipart form read here with its limits into ctx.state.upload.
import type { Context, Middleware, Next } from 'koa';
import type Provider from 'oidc-provider';
import { readUpload, type Upload } from '../branding/upload.ts';
import { readForm } from '../http/form.ts';
import type { MfaService } from '../mfa/service.ts';
import { type AccountSession, checkCsrf, loadAccountSession } from './session.ts';

declare module 'koa' {
  interface DefaultState {
    /** The signed-in account session, set by the account middleware (src/account/middleware.ts). */
    account?: AccountSession;
    /** The multipart form of an upload route, read (with its limits) by the account middleware. */
    upload?: Upload;
  }
}

export interface AccountRouteOptions {
  /** Where the sign-in comes back to (default: this path). */
  returnTo?: string | ((ctx: Context) => string);
  /** Without a session go on (ctx.state.account unset, no CSRF check) instead of to the sign-in. */
  optional?: boolean;
  /** A multipart form with one file: read with these limits into ctx.state.upload. */
  upload?: { field: string; maxBytes: number };
}

/** `account(options)`: the middleware of one account route. */
export type AccountMiddleware = (options?: AccountRouteOptions) => Middleware;

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function accountMiddleware(provider: Provider, mfa: MfaService, cookieKey: string): AccountMiddleware {
  return (options = {}) =>
    async function accountSession(ctx: Context, next: Next) {
      const s = await loadAccountSession(ctx, provider, mfa, cookieKey);
      if (!s) {
        if (options.optional) return next();
        const { returnTo = ctx.path } = options;
        ctx.status = 303;
        ctx.redirect(
          `/account/login?return_to=${encodeURIComponent(typeof returnTo === 'string' ? returnTo : returnTo(ctx))}`,
        );
        return;
      }
      ctx.state.account = s;
      if (!SAFE.has(ctx.method)) checkCsrf(s, await submittedToken(ctx, options));
      return next();
    };
}

/** The CSRF token the form carries (the form read first: its type and limits are checked). */
async function submittedToken(ctx: Context, options: AccountRouteOptions): Promise<string> {
  if (!options.upload) return readForm(ctx, { csrf: { maxLength: 100 } }).csrf;
  const upload = await readUpload(ctx, options.upload.field, options.upload.maxBytes);
  ctx.state.upload = upload;
  return upload.fields.csrf ?? '';
}

/** The account session the middleware loaded; a route without it is a programming error (fails closed). */
export function accountOf(ctx: Context): AccountSession {
  const s = ctx.state.account;
  if (!s) throw new Error('account route without the account middleware');
  return s;
}
