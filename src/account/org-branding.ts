// X9: the owner's branding form on the organization page: a display name, an accent colour (AA
// contrast with white text) and a logo (PNG, JPEG or WebP by its bytes, at most 200 KB). A refused
// upload stores nothing and says why.

import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { audit } from '../audit.ts';
import { AA_NORMAL_TEXT, checkAccent } from '../branding/colour.ts';
import { imageTypeOf } from '../branding/image.ts';
import { HttpError } from '../http/errors.ts';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import type { BrandingPatch } from '../store/records.ts';
import { accountMiddleware } from './middleware.ts';
import { orgMember } from './org-member.ts';

export const LOGO_MAX_BYTES = 200 * 1024;
const NAME_MAX = 80;

/** The form's fields as a patch; an empty colour or name clears it, `remove_logo` drops the logo. */
function patchOf(fields: Record<string, string>, file: Uint8Array | undefined): BrandingPatch {
  const patch: BrandingPatch = {};
  const name = (fields.display_name ?? '').trim();
  if (name.length > NAME_MAX) throw new HttpError(400, 'branding.name_too_long', { max: NAME_MAX });
  patch.displayName = name || null;
  const colour = (fields.accent_color ?? '').trim();
  if (colour) {
    const check = checkAccent(colour);
    if (!check.ok && check.reason === 'format') throw new HttpError(400, 'branding.colour_format');
    if (!check.ok) {
      throw new HttpError(400, 'branding.colour_contrast', { ratio: check.ratio ?? 0, min: AA_NORMAL_TEXT });
    }
    patch.accentColor = check.colour;
  } else patch.accentColor = null;
  if (file) {
    const type = imageTypeOf(file);
    if (!type) throw new HttpError(415, 'branding.not_image');
    patch.logo = { bytes: file, type };
  } else if (fields.remove_logo === 'on') patch.logo = null;
  return patch;
}

export function orgBrandingRoutes(
  router: Router,
  provider: Provider,
  services: Services,
  mfa: MfaService,
): void {
  const { sor, config } = services;
  const account = accountMiddleware(provider, mfa, config.cookieKeys[0]);
  // The multipart form is read (with its limits) and its CSRF token checked by the middleware.
  const signedIn = account({
    returnTo: (ctx) => `/account/organizations/${ctx.params.id}`,
    upload: { field: 'logo', maxBytes: LOGO_MAX_BYTES },
  });
  router.post('/account/organizations/:id/branding', signedIn, async (ctx: Context) => {
    const c = orgMember(ctx, { roles: ['owner'] });
    const { s } = c;
    const orgId = c.org.id;
    const upload = ctx.state.upload!;
    const patch = patchOf(upload.fields, upload.file);
    await sor.transaction(async (tx) => {
      await tx.saveBranding(orgId, patch);
      await audit(
        tx,
        { actorUserId: s.state.user.id, ip: ctx.ip, userAgent: ctx.get('user-agent') },
        'org.updated',
        { orgId },
        {
          branding: true,
          logo: patch.logo === undefined ? 'kept' : patch.logo ? patch.logo.type : 'removed',
        },
      );
    });
    ctx.status = 303;
    ctx.redirect(`/account/organizations/${orgId}?branding=saved`);
  });
}
