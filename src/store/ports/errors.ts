// The errors every store adapter throws, whatever its backing server.

/** Thrown by any adapter when its backing server cannot be reached; rendered as 503 (X2). */
export class StoreUnavailableError extends Error {
  readonly store: 'database' | 'redis';
  constructor(store: 'database' | 'redis', cause?: unknown) {
    super(`${store} is unavailable`, { cause });
    this.name = 'StoreUnavailableError';
    this.store = store;
  }
}

/** Thrown on a unique-constraint violation (e.g. an e-mail already registered). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}
