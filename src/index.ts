/**
 * Deadbolt's public API (E1): mandatory multi-factor authentication as an extension of a
 * node-oidc-provider 9 deployment. Everything not exported here is internal and may change in any
 * release; this surface follows semantic versioning (see CHANGELOG.md).
 *
 * ```ts
 * const deadbolt = await createDeadbolt({ issuer, accounts });
 * const provider = new Provider(issuer, deadbolt.configure(myConfiguration));
 * app.use(deadbolt.routes(provider));
 * app.use(mount(provider));
 * ```
 * @packageDocumentation
 */

export { ConfigError } from './config/index.ts';
export type { AccountsPort, HostAccount, HostOrganization } from './extension/accounts.ts';
export type { ConfigureOptions } from './extension/configure.ts';
export { DeadboltConfigurationError } from './extension/configure.ts';
export type { Deadbolt, DeadboltOptions, DeadboltStores } from './extension/create.ts';
export { createDeadbolt } from './extension/create.ts';
export type { PagesOptions } from './extension/pages.ts';
export type { Locale } from './i18n/index.ts';
export type { MfaDecision, MfaPolicy, MfaReason, MfaRequirement, PolicyContext } from './mfa/policy.ts';
export { defaultMfaPolicy } from './mfa/policy.ts';
export type { Amr } from './oidc/acr.ts';
export { ACR_FEDERATED, ACR_MFA, ACR_PASSWORD } from './oidc/acr.ts';
export type { SmsMessage, SmsSender, SmsSendResult } from './sms/sender.ts';
export { StoreUnavailableError } from './store/ports.ts';
export type { FactorType, Plan, Role } from './store/records.ts';
