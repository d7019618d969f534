// The second-factor proof on pages outside the sign-in (G5's "Confirm with your current method",
// U3's password change, U4's reset, W4's passkey removal): each factor's part of the form
// (FactorPages.proof, in the page registry's order) and which method a submitted code is for.
import type { Context } from 'koa';
import type { FactorType } from '../store/records.ts';
import { FACTOR_PAGES } from './page-registry.ts';
import type { ProofDeps, ProofForms, ProofMode, ProofPart } from './pages.ts';
import type { UserMfaState } from './service.ts';

/** The factors' parts of the form; `resend`: the factor whose code the person asked for again. */
export async function proofParts(
  ctx: Context,
  deps: ProofDeps,
  state: UserMfaState,
  flowKey: string,
  mode: ProofMode,
  resend?: FactorType,
): Promise<ProofPart[]> {
  const parts: ProofPart[] = [];
  for (const p of FACTOR_PAGES) {
    const own = resend ? (p.type === resend ? 'resend' : 'status') : mode;
    const part = await p.proof?.part?.(ctx, deps, state, flowKey, own);
    if (part) parts.push(part);
  }
  return parts;
}

/** Which method a submitted code is for: one it is recognisably of, the one the form names, or a typed one. */
export function proofMethod(state: UserMfaState, code: string, method: string | undefined): FactorType {
  const usable = (type: FactorType) => state.usable.includes(type);
  const found =
    FACTOR_PAGES.find((p) => p.proof?.recognizes?.(state, code)) ??
    FACTOR_PAGES.find((p) => p.type === method && p.proof?.part && usable(p.type)) ??
    FACTOR_PAGES.find((p) => p.proof?.typed && usable(p.type));
  return found?.type ?? state.usable[0] ?? state.enrolled[0];
}

/** What the parts said as the page opened: the first notice, error and status. */
export function proofFlash(parts: readonly ProofPart[]) {
  return {
    notice: parts.find((p) => p.notice)?.notice,
    error: parts.find((p) => p.error)?.error,
    status: parts.find((p) => p.status)?.status,
  };
}

/** The parts again after a refusal: still knowing what was sent, without the "sent" notice. */
export const quiet = (parts: readonly ProofPart[]): ProofPart[] =>
  parts.map((p) => ({ ...p, notice: undefined }));

/** The factors with a part of their own (each has a route asking for its code, e.g. `…/sms`). */
export const PROOF_PART_TYPES: readonly FactorType[] = FACTOR_PAGES.filter((p) => p.proof?.part).map(
  (p) => p.type,
);

/** The parts as a page draws them: each with where its "after" form posts. */
export const withActions = (parts: readonly ProofPart[], actionOf: (type: FactorType) => string) =>
  parts.map((p) => ({ ...p, action: actionOf(p.type) }));

export const proofForms = (deps: ProofDeps): ProofForms => ({
  parts: (ctx, state, flowKey, mode, resend) => proofParts(ctx, deps, state, flowKey, mode, resend),
  types: PROOF_PART_TYPES,
  method: proofMethod,
});
