// What the rest of Deadbolt knows about a factor without naming it (issue 10): each factor folder
// describes itself with one of these, and src/mfa/registry.ts lists them. The policy, the decision
// point and the MFA step iterate the registry instead of spelling out factor types.
import type { Amr } from '../oidc/acr.ts';
import type { FactorRecord, FactorType } from '../store/records.ts';

export interface FactorModule {
  readonly type: FactorType;
  /** i18n key of the method's name. */
  readonly nameKey: string;
  /** Higher is preferred at sign-in (L2: the app outranks SMS; backup codes are a fallback). */
  readonly strength: number;
  /** What a verification with it adds to the session's amr (RFC 8176 where registered). */
  readonly amr: readonly Amr[];
  /**
   * Set for a factor that is no method of its own but comes with another (T3: backup codes come
   * with the authenticator app): usable only while that one is enrolled, and it never lets the
   * last method go (M3).
   */
  readonly companionOf?: FactorType;
  /**
   * W5: the proof is bound to our origin (WebAuthn), so a phishing site cannot relay it; only such
   * a factor meets a request for the `phr` acr.
   */
  readonly phishingResistant?: boolean;
  /** i18n key of "use this method instead" on the challenge page (default `mfa.use_<type>`; gets `count`). */
  readonly useKey?: string;
  /**
   * X6: i18n keys of what a refused code of it says beyond "incorrect" (src/mfa/refusal.ts):
   * `replay`, a code already used; `drift`, a code off by the clock.
   */
  readonly refusalKeys?: { readonly replay?: string; readonly drift?: string };
  /** What an operator may see of one record besides its dates (e.g. SMS: the masked phone); no secret. */
  readonly describe?: (record: FactorRecord) => { phone?: string };
}
