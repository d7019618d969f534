// E2: the accounts port — how Deadbolt reads a host's own user directory. The host keeps its users
// and its sign-in; Deadbolt asks it, by account id, for what the MFA policy needs (P1, P2) and,
// optionally, checks a password again for re-authentication (T1).
import type { FactorType, Plan, Role } from '../store/records.ts';

/** One organization an account belongs to, as the policy sees it (P1, P2). */
export interface HostOrganization {
  /** Stable id of the organization in the host's directory. */
  id: string;
  /** Shown on Deadbolt's pages (e.g. "required by Acme"); default: the id. */
  name?: string;
  /** P1: a `paid` organization makes MFA mandatory for its members. */
  plan: Plan;
  /** P1: the owner switched on "require MFA for all users". Default false. */
  requireMfaForAllUsers?: boolean;
  /** P2: the organization enforces its own SSO (its sign-ins are not asked for MFA on its behalf). */
  ssoEnforced?: boolean;
  /** The account's role in it. Default `member`. */
  role?: Role;
  /** G2: the organization's mandate applies from this date on (a reminder until then). */
  mfaEnforcedFrom?: Date | null;
  /** G3: the only methods that satisfy MFA for its members (e.g. `['totp']`); absent: all. */
  allowedMethods?: FactorType[] | null;
  /**
   * G4: for how many days a member may have a browser remembered after MFA ("don't ask again on
   * this device"); capped by REMEMBER_DEVICE_MAX_DAYS. Absent or 0: never. The strictest of an
   * account's organizations applies; never for step-up.
   */
  rememberDeviceDays?: number;
}

/** An account of the host's directory. */
export interface HostAccount {
  /** The `accountId` the host's login prompt puts into the session (the `sub`). */
  accountId: string;
  /** Shown on Deadbolt's pages and in the authenticator app's entry. */
  email: string;
  organizations: HostOrganization[];
}

/**
 * The accounts port a host implements over its own user directory. Deadbolt never writes to it.
 * Errors thrown here fail the request closed (X2): MFA is never skipped because the directory is down.
 */
export interface AccountsPort {
  /** The account, or undefined when it no longer exists (its sessions then sign in again). */
  findAccount(accountId: string): Promise<HostAccount | undefined>;
  /**
   * T1: checks the account's password again before a method is added, when the password typed at
   * the host's login is no longer fresh (REAUTH_WINDOW_SECONDS). Without it, re-authentication
   * fails and the person signs in again.
   */
  verifyPassword?(accountId: string, password: string): Promise<boolean>;
}
