// A plain node-oidc-provider 9 + koa identity provider with its own login page and users, which
// mounts Deadbolt for mandatory MFA. `createHost()` is what server.js runs (and the tests too).

import { createDeadbolt } from 'deadbolt';
import Koa from 'koa';
import mount from 'koa-mount';
import Provider from 'oidc-provider';
import { homePage } from './home.js';
import { loginRoutes } from './login.js';
import { checkPassword, findUser, rememberDaysOf } from './users.js';

export function hostConfiguration(clients, cookieKeys) {
  return {
    clients,
    cookies: { keys: cookieKeys },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email'] },
    ttl: { Interaction: 600, Grant: 14 * 86400, AccessToken: 600, IdToken: 600 },
    async findAccount(_ctx, id) {
      const user = findUser(id);
      return user && { accountId: user.id, claims: () => ({ sub: user.id, email: user.email }) };
    },
  };
}

export async function createHost({ issuer, clients, cookieKeys, stores, policy, settings, pages }) {
  const configuration = hostConfiguration(clients, cookieKeys);

  // Deadbolt: our users through its accounts port, then the provider and the pages.
  const deadbolt = await createDeadbolt({
    issuer,
    stores,
    policy,
    settings,
    pages,
    accounts: {
      async findAccount(id) {
        const user = findUser(id);
        if (!user) return undefined;
        const rememberDeviceDays = rememberDaysOf(user.company); // "don't ask again on this device"
        const company = { id: user.company, plan: user.paying ? 'paid' : 'free', rememberDeviceDays };
        return { accountId: user.id, email: user.email, organizations: [company] };
      },
      async verifyPassword(id, password) {
        return checkPassword(findUser(id)?.email, password)?.id === id;
      },
    },
  });
  const provider = new Provider(issuer, deadbolt.configure(configuration));
  const app = new Koa();
  app.keys = cookieKeys;
  app.use(deadbolt.routes(provider));
  // End of Deadbolt.

  app.use(homePage); // links to Deadbolt's security settings, /account/security
  app.use(loginRoutes(provider));
  app.use(mount(provider));
  // deadbolt.users: our support tools' handle on an account's MFA (methods, the support reset).
  return { app, provider, users: deadbolt.users, close: () => deadbolt.close() };
}
