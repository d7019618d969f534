// /account/* — the security settings and organization pages, behind the IdP's own sign-in.
import Router from '@koa/router';
import type Provider from 'oidc-provider';
import type { MfaService } from '../mfa/service.ts';
import type { Services } from '../services.ts';
import { accountNavRoutes } from './account-nav.ts';
import { emailVerifyRoutes } from './email-verify.ts';
import { inviteAcceptRoutes } from './invite-accept.ts';
import { accountLoginRouter } from './login.ts';
import { orgBrandingRoutes } from './org-branding.ts';
import { orgInvitationRoutes } from './org-invitations.ts';
import { orgRolloutRoutes } from './org-rollout.ts';
import { organizationRoutes } from './organizations.ts';
import { passwordChangeRoutes } from './password-change.ts';
import { rememberedDeviceRoutes } from './remembered-devices.ts';
import { securityRoutes } from './security.ts';
import { smsSettingsRoutes } from './sms.ts';

export function accountRouters(provider: Provider, services: Services, mfa: MfaService): Router[] {
  const pages = new Router();
  pages.get('/account', (ctx) => ctx.redirect('/account/security'));
  accountNavRoutes(pages, provider, services, mfa); // U7: sign out, back to the app
  securityRoutes(pages, provider, services, mfa);
  rememberedDeviceRoutes(pages, provider, services, mfa); // G4
  passwordChangeRoutes(pages, provider, services, mfa); // U3
  emailVerifyRoutes(pages, provider, services, mfa); // U5
  organizationRoutes(pages, provider, services, mfa);
  orgRolloutRoutes(pages, provider, services, mfa); // G1, G7
  orgInvitationRoutes(pages, provider, services, mfa); // U2
  inviteAcceptRoutes(pages, provider, services, mfa); // U2, P5: /invite
  smsSettingsRoutes(pages, provider, services, mfa);
  orgBrandingRoutes(pages, provider, services, mfa); // X9
  return [accountLoginRouter(services.config.issuer), pages];
}
