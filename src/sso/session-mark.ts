// "This sign-in came through organization X's SSO" (P2), carried to every MFA decision.
//
// oidc-provider's session keeps only accountId, loginTs, amr and acr. The SSO callback finishes the
// interaction with `login` (amr starting with `fed`) plus an `sso` result entry; on the resume
// request the mfa prompt's check sees both that result and the session's `uid`, and records the
// mark under `sso:session:<uid>`. The sign-in prompt, the MFA step (Interaction.session.uid), the
// account pages (Session.uid) and the token endpoint (AuthorizationCode/RefreshToken.sessionUid)
// read it back and pass the same `ssoOrgId` and `upstreamMfa` to the policy hook.
//
// A mark counts only while the session's (or token's) amr contains `fed` and the account matches:
// a later password sign-in in the same browser (prompt=login) drops `fed` and deletes the mark; the
// MFA step after an SSO sign-in keeps `fed` (and so the mark).
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/index.ts';
import type { KeyValueStore } from '../store/ports.ts';

/** What the SSO callback adds to the interaction result next to `login`. */
export interface SsoSignInResult {
  orgId: string;
  issuer: string;
  upstreamMfa: boolean;
}

interface SsoMark extends SsoSignInResult {
  accountId: string;
}

/** The SSO part of PolicyContext.authentication. */
export interface SsoAuthentication {
  ssoOrgId?: string;
  upstreamMfa?: boolean;
}

const key = (sessionUid: string) => `sso:session:${sessionUid}`;

function isSignIn(value: unknown): value is SsoSignInResult {
  const v = value as Partial<SsoSignInResult> | undefined;
  return typeof v?.orgId === 'string' && typeof v.issuer === 'string' && typeof v.upstreamMfa === 'boolean';
}

export function createSsoMarks(kv: KeyValueStore, config: Pick<Config, 'ttl'>) {
  // As long as the longest-lived thing that may ask: a session or a refresh token of it. After that
  // the mark is gone and a refresh of an exempt sign-in meets the policy without the exemption.
  const ttl = Math.max(config.ttl.sessionMfa, config.ttl.sessionPassword, config.ttl.refreshToken);

  return {
    /** On the resume request: records (or drops) the mark for the sign-in that just finished. */
    async record(ctx: KoaContextWithOIDC): Promise<void> {
      const result = ctx.oidc.result as { login?: { accountId?: unknown; amr?: unknown }; sso?: unknown };
      const login = result?.login;
      const uid = ctx.oidc.session?.uid;
      if (!login || typeof login.accountId !== 'string' || !uid) return;
      const federated = Array.isArray(login.amr) && login.amr.includes('fed');
      if (!federated) {
        await kv.del(key(uid)); // a password sign-in: whatever SSO mark there was no longer applies
        return;
      }
      if (!isSignIn(result.sso)) return; // e.g. the MFA step after SSO: `fed` stays, so does the mark
      const mark: SsoMark = {
        accountId: login.accountId,
        orgId: result.sso.orgId,
        issuer: result.sso.issuer,
        upstreamMfa: result.sso.upstreamMfa,
      };
      await kv.set(key(uid), JSON.stringify(mark), ttl);
    },

    /** The SSO part of the policy context for a session (or a token of it). */
    async read(sessionUid: string | undefined, accountId: string, amr: string[]): Promise<SsoAuthentication> {
      if (!sessionUid || !amr.includes('fed')) return {};
      const raw = await kv.get(key(sessionUid));
      if (!raw) return {};
      let mark: SsoMark;
      try {
        mark = JSON.parse(raw) as SsoMark;
      } catch {
        return {};
      }
      if (mark.accountId !== accountId || !isSignIn(mark)) return {};
      return { ssoOrgId: mark.orgId, upstreamMfa: mark.upstreamMfa };
    },
  };
}

export type SsoMarks = ReturnType<typeof createSsoMarks>;
