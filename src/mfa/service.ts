// The MFA service: the user's factors and policy decision, and code verification with attempt
// limits. Both the sign-in prompt and the settings pages use it.

import type { AuditWho } from '../audit.ts';
import { type Authentication, createDecisionPoint, type DecisionPoint } from '../core/decision.ts';
import { createSessionEnder } from '../core/sessions.ts';
import type { Amr } from '../oidc/acr.ts';
import type { MfaResult } from '../ops/metrics.ts';
import { createSsoMarks } from '../sso/session-mark.ts';
import { checkWith } from '../store/attempt.ts';
import type { FactorRecord, FactorType, MembershipWithOrg, User } from '../store/records.ts';
import { createAttemptGuard } from './attempts.ts';
import { createBackupCodeFactor } from './backup-codes/factor.ts';
import { createBinding } from './binding.ts';
import { type Factor, type FactorDeps, isLocked, type VerifyFailure } from './factor.ts';
import { createGraceSetup } from './grace-setup.ts';
import { defaultMfaPolicy, type MfaPolicy } from './policy.ts';
import { createReauth } from './reauth.ts';
import { isFactorType, moduleOf } from './registry.ts';
import { createRememberedDevices } from './remembered-device.ts';
import { createTotpEnrollment } from './totp/enroll.ts';
import { createTotpFactor } from './totp/factor.ts';

export interface UserMfaState {
  user: User;
  memberships: MembershipWithOrg[];
  records: FactorRecord[];
  /** Enrolled factor types, locked or not (V1). */
  enrolled: FactorType[];
  /** The enrolled types that can be used now (not locked; backup codes left). */
  usable: FactorType[];
}

export type MfaVerifyOutcome =
  | { ok: true; amr: Amr[]; factor: FactorType }
  | {
      ok: false;
      error: 'incorrect' | 'rate_limited' | 'locked' | 'not_enrolled';
      retryAfterSeconds?: number;
      /** Wrong codes still allowed in this window (X6: shown from the third wrong try on). */
      remaining?: number;
      /** For `incorrect`: why (X6) — a used code, a clock that is off, or just wrong. */
      reason?: VerifyFailure;
    };

export interface MfaServiceOptions {
  policy?: MfaPolicy;
  extraFactors?: Factor[];
  /** The decision's clock (G2), ms. */
  now?: () => number;
}

export function createMfaService(deps: FactorDeps, options: MfaServiceOptions = {}) {
  const { sor } = deps;
  const policy = options.policy ?? defaultMfaPolicy;
  const factors = factorMap([
    createTotpFactor(deps),
    createBackupCodeFactor(deps),
    ...(options.extraFactors ?? []),
  ]);
  const sessions = createSessionEnder(sor, deps.eph);
  const guard = createAttemptGuard(deps, sessions);
  const ssoMarks = createSsoMarks(deps.eph.kv, deps.config);
  const { ttl } = deps.config;
  // G4: the session's mark lives as long as the longest-lived thing that may ask (as ssoMarks).
  const rememberedDevices = createRememberedDevices(
    sor,
    deps.eph.kv,
    deps.logger,
    Math.max(ttl.sessionMfa, ttl.sessionPassword, ttl.refreshToken),
  );
  const load = (userId: string) => loadMfaState(deps, factors, userId);
  // The one decision point (src/core/decision.ts): every place asks it.
  const decisions = createDecisionPoint({
    policy,
    load,
    ssoMark: (a) => ssoMarks.read(a.uid, a.accountId, a.amr),
    // G4 off on this server (REMEMBER_DEVICE_MAX_DAYS=0): no device is read, none can count.
    ...(deps.config.mfa.rememberDeviceMaxDays > 0
      ? { rememberedDevice: (a) => rememberedDevices.read(a.uid, a.accountId) }
      : {}),
    maxRememberDays: deps.config.mfa.rememberDeviceMaxDays,
    now: options.now,
  });
  const codes: CodeChecks = { deps, factors, guard };

  return {
    policy,
    factors,
    load,
    decisions,
    decide: decisions.decide,
    /** How a session (or a token of it) authenticated: its amr, the SSO mark of P2, the device of G4. */
    authenticationOf: (session: SessionOfAccount) => authenticationOf(decisions, session),
    ssoMarks,
    /** G4: remembered devices (cookie, marks, list, revoke). */
    rememberedDevices,
    verify: (state: UserMfaState, type: FactorType, code: string, flowKey: string, who: Who) =>
      verifyCode(codes, state, type, code, flowKey, who),
    guard,
    /** Wrong codes per user in a window (the "attempts left" notice counts from it, X6). */
    maxFailuresPerWindow: deps.config.mfa.maxFailuresPerWindow,
    totpEnrollment: createTotpEnrollment(deps),
    /** V3: the one way to end every session, grant and token of a user. */
    sessions,
    reauth: createReauth(deps.eph.kv, deps.config.mfa.reauthWindowSeconds),
    /** G2: "Set up now" chosen on the grace reminder of an interaction. */
    graceSetup: createGraceSetup(deps.eph.kv),
    /** G5: a second factor from the last MFA_BINDING_WINDOW_SECONDS, per session uid. */
    binding: createBinding(deps.eph.kv, deps.config.mfa.bindingWindowSeconds),
  };
}

const factorMap = (list: Factor[]) => new Map<FactorType, Factor>(list.map((f) => [f.type, f]));

type Who = AuditWho & { ip: string };

interface SessionOfAccount {
  uid: string | undefined;
  accountId: string;
  amr: string[] | undefined;
}

async function authenticationOf(
  decisions: DecisionPoint,
  session: SessionOfAccount,
): Promise<Authentication & { amr: string[] }> {
  const amr = session.amr ?? [];
  return { amr, ...(await decisions.marksOf({ uid: session.uid, accountId: session.accountId, amr })) };
}

/** The user, memberships and factor rows, with the enrolled and the usable factor types (V1). */
async function loadMfaState(
  { sor }: FactorDeps,
  factors: Map<FactorType, Factor>,
  userId: string,
): Promise<UserMfaState | undefined> {
  const [user, memberships, records] = await Promise.all([
    sor.findUserById(userId),
    sor.listMembershipsOfUser(userId),
    sor.listFactors(userId),
  ]);
  if (!user) return undefined;
  const usable = [...factors.values()].filter((f) => f.usable(records).length > 0).map((f) => f.type);
  const locked = [...factors.keys()].filter((t) => records.some((r) => r.type === t && isLocked(r)));
  const enrolled = [...new Set([...usable, ...locked])];
  return { user, memberships, records, enrolled, usable };
}

interface CodeChecks {
  deps: FactorDeps;
  factors: Map<FactorType, Factor>;
  guard: ReturnType<typeof createAttemptGuard>;
}

async function verifyCode(
  codes: CodeChecks,
  state: UserMfaState,
  type: FactorType,
  code: string,
  flowKey: string,
  who: Who,
): Promise<MfaVerifyOutcome> {
  const { outcome, result, lockedNow } = await check(codes, state, type, code, flowKey, who);
  // Z5: one count per code check, by method and result (e.g. a replayed TOTP step), and lockouts.
  codes.deps.metrics?.mfaVerifications.inc({ method: type, result });
  if (lockedNow) codes.deps.metrics?.lockouts.inc({ method: type });
  return outcome;
}

async function check(
  { factors, guard }: CodeChecks,
  state: UserMfaState,
  type: FactorType,
  code: string,
  flowKey: string,
  who: Who,
): Promise<{ outcome: MfaVerifyOutcome; result: MfaResult; lockedNow?: boolean }> {
  const refuse = (error: 'rate_limited' | 'locked' | 'not_enrolled', retryAfterSeconds?: number) => ({
    outcome: { ok: false as const, error, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) },
    result: error,
  });
  const factor = factors.get(type);
  // Backup codes come with the app (T3): usable while any are left, even with the app locked (V1).
  const companionOf = isFactorType(type) ? moduleOf(type).companionOf : undefined;
  const allowed = companionOf === undefined || state.enrolled.includes(companionOf);
  if (!factor || !allowed || factor.usable(state.records).length === 0) {
    return refuse(state.records.some((r) => r.type === type && isLocked(r)) ? 'locked' : 'not_enrolled');
  }
  // V2: counted before the code is checked.
  const attempt = await guard.begin(state.user.id, who.ip);
  if (!attempt.allowed) return refuse('rate_limited', attempt.retryAfterSeconds);
  const result = await checkWith(attempt, () =>
    factor.verify({ user: state.user, records: state.records, code, flowKey }),
  );
  if (result.ok) {
    await attempt.succeed();
    return { outcome: { ok: true, amr: result.amr, factor: type }, result: 'ok' };
  }
  const after = await attempt.fail(result.factorId, { ...who, actorUserId: state.user.id });
  if (after.locked) return { ...refuse('locked'), lockedNow: true };
  return {
    outcome: { ok: false, error: 'incorrect', remaining: after.remaining, reason: result.reason },
    result: result.reason === 'invalid' ? 'incorrect' : result.reason,
  };
}

export type MfaService = ReturnType<typeof createMfaService>;
