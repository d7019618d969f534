// The mfa prompt's check (P4–P6): asks the policy hook on every authorization request whether
// this session still needs a second factor. A store error propagates and fails the request closed.
import type { KoaContextWithOIDC } from 'oidc-provider';
import { reauthenticationAsked } from '../core/decision.ts';
import { isVoid } from '../core/sessions.ts';
import type { MfaService } from '../mfa/service.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import { essentialAcrOf } from './acr.ts';
import type { MfaGate, SessionVoidCheck } from './interaction-policy.ts';

/** Values of an essential `acr` claim request (claims parameter), if any. */
export function essentialAcrValues(ctx: KoaContextWithOIDC): string[] {
  return essentialAcrOf(ctx.oidc.claims);
}

/** V3: the session began before the user's last reset (or the user is gone): sign in again. */
export function createSessionVoidCheck(sor: SystemOfRecord): SessionVoidCheck {
  return async (ctx) => {
    const session = ctx.oidc.session as { accountId?: string; loginTs?: number } | undefined;
    if (!session?.accountId) return false; // no_session asks for the sign-in anyway
    const user = await sor.findUserById(session.accountId);
    return !user || isVoid(user, session.loginTs);
  };
}

export function createMfaGate(mfa: MfaService): MfaGate {
  return async (ctx) => {
    const { session } = ctx.oidc;
    const accountId = session?.accountId;
    if (!accountId) return false; // the login prompt comes first
    // A sign-in that just finished (resume): record or drop its SSO mark (P2, src/sso/session-mark.ts)
    // and its remembered device (G4, src/mfa/remembered-device.ts).
    await Promise.all([mfa.ssoMarks.record(ctx), mfa.rememberedDevices.record(ctx)]);
    const essential = essentialAcrValues(ctx);
    // An essential acr this session does not meet: the MFA page either meets it (ACR_MFA) or
    // ends the request with unmet_authentication_requirements.
    if (essential.length > 0 && !essential.includes(session.acr ?? '')) return true;
    const params = ctx.oidc.params as
      | { acr_values?: string; client_id?: string; max_age?: unknown; prompt?: unknown }
      | undefined;
    const authenticated = { amr: session.amr ?? [], uid: session.uid };
    const asked = {
      clientId: params?.client_id,
      acrValues: params?.acr_values,
      claims: ctx.oidc.claims,
      reauthentication: reauthenticationAsked(params), // G4: no remembered device then
    };
    if (await mfa.decisions.needsStep(accountId, authenticated, asked)) return true;
    // G2: right after a password sign-in (not once "remind me later" was chosen), a member in a
    // grace period sees the reminder; other requests (prompt=none included) are not stopped by it.
    const result = ctx.oidc.result as { login?: unknown; grace?: { later?: boolean } } | undefined;
    if (!result?.login || result.grace?.later) return false;
    return mfa.decisions.reminds(accountId, authenticated, asked);
  };
}
