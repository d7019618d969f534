// What a factor adds to the pages (issue 10), as ./module.ts is what it adds to the policy: its
// part of the MFA step of the sign-in and of the security settings page. ./page-registry.ts lists
// them; the MFA step (src/interactions/mfa/index.ts) and the account pages (src/account/router.ts)
// mount whatever is listed there.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountMiddleware } from '../account/middleware.ts';
import type { AccountSession } from '../account/session.ts';
import type { Flow } from '../core/flow.ts';
import type { MfaStep } from '../interactions/mfa/context.ts';
import type { Services } from '../services.ts';
import type { FactorType } from '../store/records.ts';
import type { MfaService, UserMfaState } from './service.ts';

export interface PageDeps {
  provider: Provider;
  services: Services;
  mfa: MfaService;
}

/**
 * What the factor's part of the challenge page does. open: the page opened (e.g. send a code unless
 * this interaction has one); resend: the person asked for a new one; status: only describe.
 */
export type ChallengeMode = 'open' | 'resend' | 'status';

export interface SignInDeps extends PageDeps {
  /** The MFA step of this request's interaction. */
  load(ctx: Context): Promise<MfaStep>;
  /** Shows the challenge page with this method (`refused`: with what happened to a proof, X6). */
  showChallenge(
    ctx: Context,
    step: MfaStep,
    method: FactorType,
    mode: ChallengeMode,
    refused?: { status: number; error: string | null; notice: string | null; canSubmit: boolean },
  ): Promise<void>;
  /**
   * T1 before an enrollment step: true when the re-authentication is fresh; otherwise the SSO
   * re-authentication (F2) or the password page took over, coming back to `next`'s enrollment.
   */
  ensureFresh(ctx: Context, step: MfaStep, next?: FactorType, expired?: boolean): Promise<boolean>;
  /** The other methods' enrollments, offered next to one (G3: only those the decision accepts). */
  enrollLinks(ctx: Context, step: MfaStep): EnrollLink[];
}

/** G5 on the settings pages (src/account/binding-gate.ts). */
export interface BindingGate {
  /** True when adding `next` may go on; otherwise the "Confirm with your current method" page was shown. */
  ensure(ctx: Context, s: AccountSession, next: FactorType): Promise<boolean>;
  /** Its own routes (the confirmation posts). */
  routes(router: Router): void;
}

/** What a factor's part of a proof form (below) uses: pages outside the provider's routes too (U4). */
export type ProofDeps = Pick<PageDeps, 'services' | 'mfa'>;

/**
 * What a page asking a second factor outside the sign-in (G5's confirmation, U3's password change,
 * U4's reset, W4's passkey removal) does with a factor's part of its form. open: the page opened
 * (a factor may send a code when it is the only one usable); resend: the person asked for one;
 * status: only describe.
 */
export type ProofMode = ChallengeMode;

/**
 * A factor's part of such a form (src/mfa/proof-form.ts): partials under views/ drawn inside the
 * form and after it, and what happened as the page opened.
 */
export interface ProofPart {
  readonly type: FactorType;
  /** Drawn inside the form (e.g. a hidden field); gets `part`. */
  field?: string;
  /** Drawn after the form (e.g. "Send a code"); gets `part`, `action` and `hidden` (name/value pairs). */
  after?: string;
  data: Record<string, unknown>;
  notice?: string;
  error?: string;
  status?: number;
}

/** The proof forms' helpers (src/mfa/proof-form.ts), for the factors' own settings pages. */
export interface ProofForms {
  /** The factors' parts of the form; `resend`: the factor whose code the person asked for. */
  parts(
    ctx: Context,
    state: UserMfaState,
    flowKey: string,
    mode: ProofMode,
    resend?: FactorType,
  ): Promise<ProofPart[]>;
  /** The factors with a part of their own (each with a route asking for its code, e.g. `…/sms`). */
  readonly types: readonly FactorType[];
  /** Which method a submitted code is for. */
  method(state: UserMfaState, code: string, method: string | undefined): FactorType;
}

export interface SettingsDeps extends PageDeps {
  /** The proof forms' parts and the method a code is for (src/mfa/proof-form.ts). */
  proof: ProofForms;
  /**
   * The account middleware of a settings route (src/account/middleware.ts): the signed-in session
   * in ctx.state.account (read it with accountOf), the CSRF token checked for a POST.
   */
  account: AccountMiddleware;
  /** G5: a second factor completed recently, before a method is added. */
  binding: BindingGate;
  /** The settings pages as a Flow (src/core/flow.ts) for this session. */
  flowOf(s: AccountSession): Flow;
  /**
   * Before adding `next`: true when G5 (a recent second factor, with a method enrolled) and T1
   * (the password, fresh) are met; otherwise the page asking for the missing one was shown.
   */
  ensureFresh(ctx: Context, s: AccountSession, next: FactorType, expired?: boolean): Promise<boolean>;
  /** The security page, read again (a refused proof may have locked a method), with a message. */
  showSecurity(
    ctx: Context,
    s: AccountSession,
    flash: { error?: string; notice?: string },
    status?: number,
  ): Promise<void>;
  /** M3, X7: the refusal to remove the last method (`type`), with the way forward. */
  showKept(ctx: Context, enrolled: readonly FactorType[], type: FactorType): Promise<void>;
}

export interface EnrollLink {
  href: string;
  label: string;
}

export interface ResendLink {
  action: string;
  label: string;
  waitSeconds: number;
  waitText: string;
}

/** The factor's own part of the challenge page: its intro, and what happened when it opened. */
export interface ChallengePart {
  intro: string;
  error?: string;
  notice?: string;
  status?: number;
  resend: ResendLink | null;
}

/**
 * A line of text a factor adds to a page (views/page-note.ejs): `<p>` with an optional class, the
 * `status` role and a `data-<mark>` attribute the tests find it by.
 */
export interface PageNote {
  text: string;
  class?: 'notice' | 'sub';
  status?: boolean;
  mark?: string;
}

/** What the security page (src/account/security-page.ts) knows that a factor's row shows. */
export interface SettingsRowContext {
  s: AccountSession;
  /** The method the sign-in uses (its row says so). */
  preferred: FactorType | null;
  /** X7: where "Add another method first" leads when this one cannot go; null: nowhere. */
  addFirst: string | null;
  /** The types with a locked record (V1). */
  locked: readonly FactorType[];
}

/** A factor's row in the methods table of /account/security: its partial under views/ and its data. */
export interface SettingsRow {
  /** The partial's path under views/ (e.g. `factors/sms/settings-row`); it gets `row`. */
  view: string;
  row: Record<string, unknown>;
}

export interface FactorPages {
  readonly type: FactorType;
  /**
   * A code of it typed into a form proves the person outside the sign-in (G5's "Confirm with your
   * current method", src/account/binding-gate.ts), as a method of its own.
   */
  readonly codeProof?: boolean;
  /** A code of it typed into a form asking a second factor outside the sign-in (src/mfa/proof-form.ts). */
  readonly proof?: {
    /** A code of this shape is one of its codes, whatever the form says (backup codes). */
    recognizes?(state: UserMfaState, code: string): boolean;
    /** A code the form says nothing else about is for it, where usable (the app). */
    typed?: boolean;
    /**
     * Its part of the form (e.g. SMS: the code sent on request, the form's method field once sent);
     * undefined: none for this user. A form's `method` field naming it makes a code its own.
     */
    part?(
      ctx: Context,
      deps: ProofDeps,
      state: UserMfaState,
      flowKey: string,
      mode: ProofMode,
    ): Promise<ProofPart | undefined>;
  };
  /** Its codes have letters: the challenge page's field asks for no numeric keyboard (default digits). */
  readonly lettersInCode?: boolean;
  /** Its part of the security settings page (M1–M4): its row, and lines under the table. */
  settings?: {
    /** Undefined: no row (e.g. a factor not configured that the user does not have). */
    row?(mfa: MfaService, view: SettingsRowContext): SettingsRow | undefined;
    notes?(ctx: Context, mfa: MfaService, s: AccountSession): PageNote[];
  };
  /** Lines under the challenge page's form while `method` is asked (G6: backup codes left). */
  challengeNotes?(ctx: Context, mfa: MfaService, step: MfaStep, method: FactorType): PageNote[];
  /** Only when the factor has more to say on the challenge page than `mfa.intro.<type>`. */
  challenge?(ctx: Context, deps: PageDeps, step: MfaStep, mode: ChallengeMode): Promise<ChallengePart>;
  /** Enrollment inside the sign-in (P5), after the re-authentication (T1). */
  enroll?: {
    /** The link to it offered on another method's enrollment page; undefined when not offered (G3). */
    link?(ctx: Context, deps: PageDeps, step: MfaStep): EnrollLink | undefined;
    show(ctx: Context, deps: SignInDeps, step: MfaStep): Promise<void>;
  };
  routes?: {
    /** POST routes under /interaction/:uid (the router is the interaction's). */
    signIn?(router: Router, deps: SignInDeps): void;
    /** Routes under /account/security. */
    settings?(router: Router, deps: SettingsDeps): void;
  };
}
