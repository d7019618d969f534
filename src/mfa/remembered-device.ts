// G4: "Don't ask again on this device". After a second factor, where the decision offers it
// (rememberDays), the browser gets a random 256-bit token in a long-lived HttpOnly, SameSite=Lax
// cookie (Secure over HTTPS); the system of record keeps only its SHA-256, bound to the user, with
// the browser, the address and when it was last used (the security page lists them).
//
// Like the SSO mark (src/sso/session-mark.ts), what a session may rely on is recorded per session
// uid on the resume request that finishes a sign-in: the mfa gate calls `record`, which finds the
// device of the browser's cookie for the account that just signed in (or drops the mark). The
// gate, the MFA step, the account pages and the token endpoint then read it back (`read`) and pass
// it to the one decision; the policy hook decides whether it stands in for the second factor.
// Deleting the device (revoked on the security page, or V3's endEverything) ends that at once.
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { audit } from '../audit.ts';
import { afterCommit } from '../core/after-commit.ts';
import type { RememberedDeviceInput } from '../core/decision.ts';
import { describeBrowser } from '../mail/facts.ts';
import type { KeyValueStore, SystemOfRecord } from '../store/ports.ts';
import type { RememberedDevice } from '../store/records.ts';

export const REMEMBER_COOKIE = 'deadbolt_remember';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const DAY_MS = 86_400_000;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const markKey = (sessionUid: string) => `remember:session:${sessionUid}`;

/** The part of a koa context this needs (the provider's and the app's contexts both have it). */
export interface CookieContext {
  cookies: {
    get(name: string, opts?: { signed?: boolean }): string | undefined;
    set(name: string, value: string | null, opts?: Record<string, unknown>): unknown;
  };
  ip: string;
  secure: boolean;
  get(field: string): string;
}

interface Mark {
  accountId: string;
  deviceId: string;
}

const who = (ctx: CookieContext, userId: string) => ({
  actorUserId: userId,
  ip: ctx.ip,
  userAgent: ctx.get('user-agent'),
});

type ResumeContext = CookieContext & { oidc: { result?: unknown; session?: { uid?: string } } };

export function createRememberedDevices(
  sor: SystemOfRecord,
  kv: KeyValueStore,
  logger: Logger,
  markTtlSeconds: number,
) {
  return {
    /**
     * After a second factor, with the box ticked and `days` allowed by the decision. Best effort:
     * the step is already done, so a store failure is logged and the device simply not remembered.
     */
    remember: (ctx: CookieContext, userId: string, days: number): Promise<boolean> =>
      rememberDevice(sor, logger, ctx, userId, days),

    /** On the resume request of a sign-in (the mfa gate): records, or drops, the session's device. */
    record: (ctx: ResumeContext): Promise<void> => recordMark(sor, kv, markTtlSeconds, ctx),

    /** The session's (or its token's) remembered device, while it exists and has not expired. */
    read: (sessionUid: string | undefined, accountId: string): Promise<RememberedDeviceInput | undefined> =>
      readMark(sor, kv, sessionUid, accountId),

    /** The security page's list; `current` is the device of this browser. */
    async list(ctx: CookieContext, userId: string) {
      const [devices, mine] = await Promise.all([
        sor.listRememberedDevices(userId),
        deviceOf(sor, ctx, userId),
      ]);
      return devices.map((d) => ({ ...d, current: d.id === mine?.id }));
    },

    /** Forgets one device (and this browser's cookie when it is this one). */
    async revoke(ctx: CookieContext, userId: string, id: string): Promise<boolean> {
      const mine = await deviceOf(sor, ctx, userId);
      if (mine?.id === id) ctx.cookies.set(REMEMBER_COOKIE, null, { path: '/' });
      const removed = await sor.deleteRememberedDevice(userId, id);
      if (removed) await audit(sor, who(ctx, userId), 'device.forgotten', { userId }, { count: 1 });
      return removed;
    },

    /** Forgets every device of the user. */
    async revokeAll(ctx: CookieContext, userId: string): Promise<number> {
      ctx.cookies.set(REMEMBER_COOKIE, null, { path: '/' });
      const count = await sor.deleteRememberedDevicesOfUser(userId);
      if (count > 0) await audit(sor, who(ctx, userId), 'device.forgotten', { userId }, { count });
      return count;
    },
  };
}

/** The user's device whose token this browser holds (never another user's). */
async function deviceOf(
  sor: SystemOfRecord,
  ctx: CookieContext,
  userId: string,
): Promise<RememberedDevice | undefined> {
  const token = ctx.cookies.get(REMEMBER_COOKIE, { signed: false });
  if (!token || !TOKEN.test(token)) return undefined;
  const device = await sor.findRememberedDeviceByTokenHash(hashOf(token));
  if (!device || device.userId === userId) return device;
  // E2: a host's directory keeps its accounts' devices under a derived id (src/extension/
  // host-directory.ts), so another id is asked by the user's own lookup: theirs, or nothing.
  return sor.findRememberedDevice(userId, device.id);
}

async function rememberDevice(
  sor: SystemOfRecord,
  logger: Logger,
  ctx: CookieContext,
  userId: string,
  days: number,
): Promise<boolean> {
  const token = randomBytes(32).toString('base64url');
  const device = await afterCommit(logger, 'remember_device', () =>
    sor.transaction(async (tx) => {
      const created = await tx.createRememberedDevice({
        userId,
        tokenHash: hashOf(token),
        browser: describeBrowser(ctx.get('user-agent')) ?? null,
        ip: ctx.ip || null,
        expiresAt: new Date(Date.now() + days * DAY_MS),
      });
      await audit(tx, who(ctx, userId), 'device.remembered', { userId }, { days });
      return created;
    }),
  );
  if (!device) return false;
  ctx.cookies.set(REMEMBER_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secure,
    signed: false,
    overwrite: true,
    path: '/',
    maxAge: days * DAY_MS,
  });
  return true;
}

async function recordMark(
  sor: SystemOfRecord,
  kv: KeyValueStore,
  markTtlSeconds: number,
  ctx: ResumeContext,
): Promise<void> {
  const login = (ctx.oidc.result as { login?: { accountId?: unknown; amr?: unknown } } | undefined)?.login;
  const uid = ctx.oidc.session?.uid;
  if (!login || typeof login.accountId !== 'string' || !uid) return;
  const device = await deviceOf(sor, ctx, login.accountId);
  if (!device) return kv.del(markKey(uid));
  const mark: Mark = { accountId: login.accountId, deviceId: device.id };
  await kv.set(markKey(uid), JSON.stringify(mark), markTtlSeconds);
  // "Last used": a sign-in that relies on it (not the MFA step that just remembered it).
  const amr = Array.isArray(login.amr) ? login.amr : [];
  if (!amr.includes('mfa')) await sor.touchRememberedDevice(device.id, ctx.ip || null);
}

async function readMark(
  sor: SystemOfRecord,
  kv: KeyValueStore,
  sessionUid: string | undefined,
  accountId: string,
): Promise<RememberedDeviceInput | undefined> {
  if (!sessionUid) return undefined;
  const raw = await kv.get(markKey(sessionUid));
  if (!raw) return undefined;
  let mark: Partial<Mark>;
  try {
    mark = JSON.parse(raw) as Partial<Mark>;
  } catch {
    return undefined;
  }
  if (mark.accountId !== accountId || typeof mark.deviceId !== 'string') return undefined;
  const device = await sor.findRememberedDevice(accountId, mark.deviceId);
  return device && { rememberedAt: device.createdAt, expiresAt: device.expiresAt };
}

export type RememberedDevices = ReturnType<typeof createRememberedDevices>;
