// The built-in first-party clients: the account pages always, the demo app when DEMO is on. They
// stay static in the provider's configuration (A2); stored clients cannot shadow or remove them.
import { accountClient } from '../account/login.ts';
import type { Config } from '../config/index.ts';
import { demoClient } from '../demo/router.ts';
import type { ClientConfig } from './clients.ts';

export function builtInClients(config: Pick<Config, 'issuer' | 'demo'>): ClientConfig[] {
  return [accountClient(config.issuer), ...(config.demo ? [demoClient(config.issuer)] : [])];
}
