// Enterprise SSO in the hosted sign-in (F1): hooks into the e-mail/password step (home-realm
// discovery, refusing passwords where SSO is enforced), the routes under /interaction/:uid/sso, and
// the fixed upstream callback /sso/callback.
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import { interactionExpired } from '../http/errors.ts';
import { readForm } from '../http/form.ts';
import { loadInteraction } from '../interactions/load.ts';
import type { LoginHooks } from '../interactions/login.ts';
import { showLogin } from '../interactions/login.ts';
import type { InteractionExtension } from '../interactions/router.ts';
import type { Services } from '../services.ts';
import { finishSso } from './callback.ts';
import { attemptOf, beginSso, showSsoError, stateOf } from './flow.ts';
import { createSsoOffered } from './offered.ts';
import { enforcingOrg, homeRealm, type SsoOrganization } from './realm.ts';
import { reauthenticationOf, startSsoReauth } from './reauth.ts';
import { createSsoMarks } from './session-mark.ts';
import { SSO_CALLBACK_PATH } from './settings.ts';

/** What the hooks and the routes share: the SSO button and the sign-in page shown again. */
interface SsoUi {
  button(ctx: Context, details: Interaction, org?: SsoOrganization): { action: string; label: string };
  /** The sign-in page again, with a message and the SSO button naming the organization. */
  again(
    ctx: Context,
    details: Interaction,
    org: SsoOrganization | undefined,
    email: string,
    view: { error?: string; notice?: string; status: number },
  ): Promise<void>;
}

export function ssoExtension(provider: Provider, services: Services): InteractionExtension {
  const button: SsoUi['button'] = (ctx, details, org) => {
    const t = ctx.state.t;
    return {
      action: `/interaction/${details.uid}/sso`,
      label: org ? t('login.sso_org', { org: org.name }) : t('login.sso'),
    };
  };
  const again: SsoUi['again'] = (ctx, details, org, email, view) =>
    showLogin(ctx, provider, details, { ...view, email, locals: { sso: button(ctx, details, org) } });
  const ui = { button, again };
  return {
    login: loginHooks(provider, services, ui),
    routes: (router) => ssoRoutes(router, provider, services, ui),
  };
}

function loginHooks(provider: Provider, services: Services, { button, again }: SsoUi): LoginHooks {
  const { sor, logger } = services;
  const marks = createSsoMarks(services.eph.kv, services.config);
  const ssoOffered = createSsoOffered(sor);
  return {
    // F2, P6: a re-authentication (prompt=login, max_age) of an SSO user goes back through the SSO.
    async show(ctx, details) {
      const who = reauthenticationOf(details);
      return who ? startSsoReauth(ctx, services, marks, details, who) : false;
    },

    async page(ctx, details) {
      return { sso: (await ssoOffered()) ? button(ctx, details) : null };
    },

    async beforePassword(ctx, details, form) {
      const t = ctx.state.t;
      const org = await homeRealm(sor, form.email);
      if (!org) return false;
      if (org.ssoEnforced) {
        if (form.password === '') {
          await beginSso(ctx, services, details, org, form.email);
          return true;
        }
        // F1: no password sign-in for an e-mail domain whose organization enforces SSO.
        logger.info(
          { event: 'login.sso_required', org: org.id, interaction: details.uid },
          'password refused',
        );
        await again(ctx, details, org, form.email, {
          error: t('login.sso_required', { org: org.name }),
          status: 403,
        });
        return true;
      }
      if (form.password !== '') return false; // a connection the organization does not enforce
      await again(ctx, details, org, form.email, {
        notice: t('login.sso_choose', { org: org.name }),
        status: 200,
      });
      return true;
    },

    async afterPassword(ctx, details, user, email) {
      // F1: a member of an organization that enforces SSO, whatever their e-mail's domain.
      const org = enforcingOrg(await sor.listMembershipsOfUser(user.id));
      if (!org) return false;
      const t = ctx.state.t;
      logger.info({ event: 'login.sso_required', org: org.id, interaction: details.uid }, 'password refused');
      await showLogin(ctx, provider, details, {
        error: t('login.sso_required', { org: org.name }),
        email,
        status: 403,
      });
      return true;
    },
  };
}

function ssoRoutes(router: Router, provider: Provider, services: Services, { again }: SsoUi): void {
  // The "Sign in with SSO" button (formaction): the e-mail decides the organization.
  router.post('/sso', async (ctx) => {
    const t = ctx.state.t;
    const details = await loadInteraction(ctx, provider, 'login');
    const form = readForm(ctx, {
      email: { maxLength: 254, optional: true },
      password: { maxLength: 1024, optional: true },
    });
    const email = form.email.trim();
    if (!email) {
      return again(ctx, details, undefined, '', { error: t('sso.enter_email'), status: 400 });
    }
    const org = await homeRealm(services.sor, email);
    if (!org) {
      return again(ctx, details, undefined, email, { error: t('sso.no_connection'), status: 400 });
    }
    await beginSso(ctx, services, details, org, email);
  });

  router.get('/sso/callback', async (ctx) => {
    const details = await loadInteraction(ctx, provider);
    // The login prompt, or the MFA step's re-authentication through SSO (T1, F2).
    if (details.prompt.name !== 'login' && details.prompt.name !== 'mfa') throw interactionExpired();
    await finishSso(ctx, provider, services, details);
    // Z5: a redirect onwards is a sign-in; a 5xx page, an upstream that failed; else a refusal.
    const result = ctx.status === 303 ? 'success' : ctx.status >= 500 ? 'upstream_error' : 'refused';
    services.metrics.signIns.inc({ method: 'sso', result });
  });
}

/**
 * `${ISSUER}/sso/callback`, the redirect URI registered with every upstream: finds the attempt by
 * its state and hops to the interaction's own callback, where the interaction cookie is sent.
 */
export function ssoCallbackRouter(services: Services): Router {
  const router = new Router();
  router.get(SSO_CALLBACK_PATH, async (ctx) => {
    const state = stateOf(ctx);
    const attempt = state ? await attemptOf(services, state) : undefined;
    if (!attempt) {
      services.logger.info({ event: 'sso.invalid_state' }, 'SSO callback with an unknown state');
      return showSsoError(ctx, 400, 'sso.invalid_state');
    }
    ctx.status = 303;
    ctx.redirect(`/interaction/${encodeURIComponent(attempt.uid)}/sso/callback${ctx.search}`);
  });
  return router;
}
