// Interaction policy: login → mfa → consent (design B in DESIGN.md). The mfa prompt's check runs
// on EVERY authorization request, prompt=none included, so a password-only session never yields a
// code for a user whose policy requires a second factor.
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';

const { Check, Prompt, base } = interactionPolicy;

/** Answers whether this authorization needs the MFA step now. Throws (fails closed) on store errors. */
export type MfaGate = (ctx: KoaContextWithOIDC) => Promise<boolean>;

/** Answers whether the session's sign-in was voided by an MFA reset or a removed method (V3). */
export type SessionVoidCheck = (ctx: KoaContextWithOIDC) => Promise<boolean>;

export function buildInteractionPolicy(
  mfaGate: MfaGate,
  sessionVoid: SessionVoidCheck,
): interactionPolicy.DefaultPolicy {
  return withMfaPrompt(base(), mfaGate, sessionVoid);
}

/** E3: adds the mfa prompt right after `policy`'s login prompt (a host's policy, or base()). */
export function withMfaPrompt(
  policy: interactionPolicy.DefaultPolicy,
  mfaGate: MfaGate,
  sessionVoid: SessionVoidCheck,
): interactionPolicy.DefaultPolicy {
  // V3: a session authenticated before the user's last reset signs in again (prompt=none gets
  // login_required), however it got written back.
  policy
    .get('login')
    ?.checks.add(
      new Check(
        'session_voided',
        'the session ended with a security change',
        'login_required',
        async (ctx) => ((await sessionVoid(ctx)) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT),
      ),
      0,
    );
  // Essential acr requests are the mfa prompt's business: the login prompt would otherwise ask for
  // the password again, forever, since a password alone never yields urn:deadbolt:acr:mfa.
  policy.get('login')?.checks.remove('essential_acr');
  policy.get('login')?.checks.remove('essential_acrs');
  const mfa = new Prompt(
    { name: 'mfa', requestable: false },
    new Check(
      'mfa_required',
      'a second authentication factor is required',
      'interaction_required',
      async (ctx) => ((await mfaGate(ctx)) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT),
    ),
  );
  policy.add(mfa, policy.findIndex((p) => p.name === 'login') + 1);
  return policy;
}
