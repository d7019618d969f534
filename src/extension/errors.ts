// E3: the error configure() throws for a provider configuration Deadbolt cannot honour; R2: the
// error deadbolt.users.reset() throws for a request it refuses.

/** Thrown by `configure()` for a provider configuration Deadbolt cannot honour (E3). */
export class DeadboltConfigurationError extends Error {
  constructor(message: string) {
    super(`Deadbolt cannot honour this provider configuration: ${message}`);
    this.name = 'DeadboltConfigurationError';
  }
}

/**
 * Thrown by `deadbolt.users.reset()` for a request it refuses (nothing changed): `field` names what
 * is missing or invalid — `actor`, `reason` or `identityVerified` (R2, R3).
 */
export class DeadboltUsersError extends Error {
  readonly field: 'actor' | 'reason' | 'identityVerified';
  constructor(field: DeadboltUsersError['field'], message: string) {
    super(message);
    this.name = 'DeadboltUsersError';
    this.field = field;
  }
}
