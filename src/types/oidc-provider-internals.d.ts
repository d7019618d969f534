// Two internals of oidc-provider 9 that src/oidc/refresh.ts wraps (I1): the refresh_token grant
// handler and the helpers it is bound to. Checked against 9.13; the I1 tests fail if they move.
declare module 'oidc-provider/lib/actions/grants/refresh_token.js' {
  export const parameters: Set<string>;
  export function handler(provider: unknown, helpers: Record<string, unknown>, ctx: unknown): Promise<void>;
}
declare module 'oidc-provider/lib/helpers/grants.js' {
  const helpers: Record<string, (...args: unknown[]) => unknown>;
  export = helpers;
}
