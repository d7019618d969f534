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
 * @module deadbolt
 */

export { ConfigError } from './config/index.ts';
export type { AccountsPort, HostAccount, HostOrganization } from './extension/accounts.ts';
export type { ConfigureOptions } from './extension/configure.ts';
export type { Deadbolt, DeadboltCore, DeadboltOptions, DeadboltStores } from './extension/create.ts';
// `deadboltOnServices` and `DeadboltCore` (both @internal, not part of the public API): the
// reference server's composition (E4) — Deadbolt over the stores the server opened itself, so its
// provider configuration and MFA pages come through configure() and routes() like a host's.
export { createDeadbolt, deadboltOn as deadboltOnServices } from './extension/create.ts';
export { DeadboltConfigurationError, DeadboltUsersError } from './extension/errors.ts';
export type { NodeHandler } from './extension/node-handler.ts';
export type { PagesOptions } from './extension/pages.ts';
export type { DeadboltUsers, ResetRequest, ResetResult, UserMethod } from './extension/users.ts';
export type { Locale } from './i18n/index.ts';
export type { MfaDecision, MfaPolicy, MfaReason, MfaRequirement, PolicyContext } from './mfa/policy.ts';
export { defaultMfaPolicy } from './mfa/policy.ts';
export type { Amr } from './oidc/acr.ts';
export { ACR_FEDERATED, ACR_MFA, ACR_PASSWORD, ACR_PHR } from './oidc/acr.ts';
export type { SmsMessage, SmsProviderName, SmsSender, SmsSendResult } from './sms/sender.ts';
export { StoreUnavailableError } from './store/ports.ts';
export type { FactorType, Organization, Plan, Role, SsoSettings } from './store/records.ts';
