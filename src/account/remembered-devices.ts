// G4: the remembered devices on the security page — browser, address, last use, expiry — each
// forgotten on its own or all at once (CSRF-checked forms like the page's others). A forgotten
// device is asked for the second factor at its next sign-in, and so is any session relying on it.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { readForm } from '../http/form.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import { accountMiddleware, accountOf } from './middleware.ts';

const BASE = '/account/security';
const day = (d: Date) => d.toISOString().slice(0, 10);

/** What the page's "Remembered devices" section shows (views/security-devices.ejs). */
export async function devicesSection(ctx: Context, mfa: MfaService, userId: string) {
  const t = ctx.state.t;
  const devices = await mfa.rememberedDevices.list(ctx, userId);
  const count = Number(ctx.query.forgotten);
  return {
    items: devices.map((d) => ({
      id: d.id,
      browser: d.browser ?? t('security.device_unknown'),
      current: d.current,
      ip: d.ip ?? '',
      lastUsed: day(d.lastUsedAt),
      expires: day(d.expiresAt),
    })),
    notice:
      ctx.query.done === 'devices' && Number.isSafeInteger(count) && count >= 0
        ? t('security.device_forgotten', { count })
        : null,
  };
}

export function rememberedDeviceRoutes(
  router: Router,
  provider: Provider,
  services: Services,
  mfa: MfaService,
): void {
  const account = accountMiddleware(provider, mfa, services.config.cookieKeys[0]);
  const done = (ctx: Context, count: number) => {
    ctx.status = 303;
    ctx.redirect(`${BASE}?done=devices&forgotten=${count}#devices`);
  };

  router.post(`${BASE}/devices/forget`, account({ returnTo: BASE }), async (ctx) => {
    const s = accountOf(ctx);
    const form = readForm(ctx, { id: { maxLength: 64 } });
    const removed = await mfa.rememberedDevices.revoke(ctx, s.state.user.id, form.id);
    done(ctx, removed ? 1 : 0);
  });

  router.post(`${BASE}/devices/forget-all`, account({ returnTo: BASE }), async (ctx) => {
    const s = accountOf(ctx);
    done(ctx, await mfa.rememberedDevices.revokeAll(ctx, s.state.user.id));
  });
}
