// I4: a relying party's back-channel logout endpoint on loopback. It records every logout token
// POSTed to it (per path) and verifies them as a relying party must (Back-Channel Logout 1.0 §2.6):
// signature against the issuer's JWKS, iss, aud, iat, the events claim, sid, and no nonce.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';

export const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface LogoutReceiver {
  url(path: string): string;
  /** Raw logout tokens received at a path so far. */
  received(path: string): string[];
  /** Waits (bounded) until at least `count` tokens arrived at `path`; verifies and returns all. */
  expect(path: string, count: number, check: { issuer: string; audience: string }): Promise<JWTPayload[]>;
  close(): Promise<void>;
}

export async function startLogoutReceiver(): Promise<LogoutReceiver> {
  const tokens = new Map<string, string[]>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (req.method !== 'POST' || !token) {
        res.writeHead(400).end();
        return;
      }
      const path = req.url ?? '/';
      tokens.set(path, [...(tokens.get(path) ?? []), token]);
      res.writeHead(200, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;

  return {
    url: (path) => `http://127.0.0.1:${bound}${path}`,
    received: (path) => tokens.get(path) ?? [],
    async expect(path, count, { issuer, audience }) {
      const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
      for (let i = 0; i < 50 && (tokens.get(path) ?? []).length < count; i++)
        await new Promise((r) => setTimeout(r, 100));
      const got = tokens.get(path) ?? [];
      assert.ok(got.length >= count, `${count} logout token(s) at ${path}, got ${got.length}`);
      return Promise.all(
        got.map(async (token) => {
          const { payload, protectedHeader } = await jwtVerify(token, jwks, {
            issuer,
            audience,
            typ: 'logout+jwt',
            requiredClaims: ['iat', 'jti', 'sub', 'sid', 'events'],
          });
          assert.ok(protectedHeader.alg);
          assert.deepEqual((payload.events as Record<string, unknown>)[LOGOUT_EVENT], {});
          assert.equal(payload.nonce, undefined, 'a logout token carries no nonce');
          return payload;
        }),
      );
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
