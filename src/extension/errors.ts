// E3: the error configure() throws for a provider configuration Deadbolt cannot honour.

/** Thrown by `configure()` for a provider configuration Deadbolt cannot honour (E3). */
export class DeadboltConfigurationError extends Error {
  constructor(message: string) {
    super(`Deadbolt cannot honour this provider configuration: ${message}`);
    this.name = 'DeadboltConfigurationError';
  }
}
