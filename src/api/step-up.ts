// I5: a resource server's check of Deadbolt's JWT access tokens (RFC 9068), with step-up per
// RFC 9470. Verifies the token (signature against the issuer's JWKS, iss, aud = the API's resource
// indicator, exp, typ at+jwt), then the authentication it carries (`acr`, `auth_time`). A refusal
// is RFC 6750 / RFC 9470's 401 with a WWW-Authenticate challenge the client can act on:
//   Bearer error="invalid_token", error_description="…"                    (missing/invalid token)
//   Bearer error="insufficient_user_authentication", error_description="…",
//          acr_values="urn:deadbolt:acr:mfa", max_age=300                   (step up and retry)
// Use `checkAccessToken` anywhere, `stepUpKoa` in koa, `stepUpNode` with node:http or Express.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { meetsAcr } from '../oidc/acr.ts';

export interface StepUpOptions {
  /** Deadbolt's issuer (ISSUER). */
  issuer: string;
  /** This API's resource indicator, as in RESOURCE_SERVERS. */
  audience: string;
  /** Required authentication context class, e.g. 'urn:deadbolt:acr:mfa' (met by phr too). */
  acr?: string;
  /** Required freshness: the user authenticated at most this many seconds ago. */
  maxAge?: number;
  /** Default `${issuer}/jwks`. */
  jwksUri?: string;
  /** Seconds of clock skew allowed on exp/iat/auth_time (default 5). */
  clockTolerance?: number;
}

export type StepUpResult =
  | { ok: true; claims: JWTPayload & { acr?: string; amr?: string[]; auth_time?: number } }
  | { ok: false; status: 401; error: string; wwwAuthenticate: string };

const quote = (v: string) => `"${v.replace(/["\\]/g, '')}"`;

function refuse(error: string, description: string, extra: string[] = []): StepUpResult {
  const params = [`error=${quote(error)}`, `error_description=${quote(description)}`, ...extra];
  return { ok: false, status: 401, error, wwwAuthenticate: `Bearer ${params.join(', ')}` };
}

/** Builds a checker: `(authorizationHeader) => result`. Create it once; it caches the JWKS. */
export function checkAccessToken(
  options: StepUpOptions,
): (authorization: string | undefined) => Promise<StepUpResult> {
  const jwks = createRemoteJWKSet(new URL(options.jwksUri ?? `${options.issuer.replace(/\/$/, '')}/jwks`));
  const tolerance = options.clockTolerance ?? 5;
  return async (authorization) => {
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(authorization ?? '');
    if (!match) return refuse('invalid_token', 'a Bearer access token is required');
    let claims: JWTPayload & { acr?: string; amr?: string[]; auth_time?: number };
    try {
      ({ payload: claims } = await jwtVerify(match[1], jwks, {
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
        clockTolerance: tolerance,
      }));
    } catch {
      return refuse('invalid_token', 'the access token is invalid or expired');
    }
    const extra: string[] = [];
    const reasons: string[] = [];
    // The ladder pwd < mfa < phr: a passkey's token (phr) meets an API that asks for mfa (W5).
    if (options.acr && !meetsAcr(claims.acr, [options.acr])) {
      extra.push(`acr_values=${quote(options.acr)}`);
      reasons.push('a stronger authentication is required');
    }
    if (options.maxAge !== undefined) {
      const age = Math.floor(Date.now() / 1000) - (claims.auth_time ?? 0);
      if (typeof claims.auth_time !== 'number' || age > options.maxAge + tolerance) {
        extra.push(`max_age=${options.maxAge}`);
        reasons.push('a more recent authentication is required');
      }
    }
    if (reasons.length) return refuse('insufficient_user_authentication', reasons.join('; '), extra);
    return { ok: true, claims };
  };
}

interface KoaLikeContext {
  get(field: string): string;
  set(field: string, value: string): void;
  status: number;
  body: unknown;
  state: Record<string, unknown>;
}

/** koa middleware: refuses with the 401 challenge, or sets ctx.state.accessToken and continues. */
export function stepUpKoa(options: StepUpOptions) {
  const check = checkAccessToken(options);
  return async (ctx: KoaLikeContext, next: () => Promise<unknown>) => {
    const result = await check(ctx.get('authorization') || undefined);
    if (!result.ok) {
      ctx.status = result.status;
      ctx.set('www-authenticate', result.wwwAuthenticate);
      ctx.set('cache-control', 'no-store');
      ctx.body = { error: result.error };
      return;
    }
    ctx.state.accessToken = result.claims;
    await next();
  };
}

/** node:http / Express middleware: `(req, res, next)`; sets `req.accessToken` on success. */
export function stepUpNode(options: StepUpOptions) {
  const check = checkAccessToken(options);
  return (
    req: IncomingMessage & { accessToken?: unknown },
    res: ServerResponse,
    next: (err?: unknown) => void,
  ): void => {
    check(req.headers.authorization).then((result) => {
      if (!result.ok) {
        res.writeHead(result.status, {
          'www-authenticate': result.wwwAuthenticate,
          'cache-control': 'no-store',
          'content-type': 'application/json',
        });
        res.end(JSON.stringify({ error: result.error }));
        return;
      }
      req.accessToken = result.claims;
      next();
    }, next);
  };
}
