// koa's ctx.state, typed once (issue 10): what the middleware puts there for every request.
import type { Logger } from 'pino';
import type { Locale, Translate } from '../i18n/index.ts';

declare module 'koa' {
  interface DefaultState {
    /** The page language and its lookup (src/http/locale.ts). */
    locale: Locale;
    t: Translate;
    /** The request's child logger, with its request id (src/http/observability.ts). */
    log?: Logger;
    /** The error oidc-provider swallowed, kept for errorHandler (src/app.ts, X2). */
    providerError?: unknown;
    /** The issuer name shown on MFA pages. */
    issuerName?: string;
  }
}
