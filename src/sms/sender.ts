// The SMS port (S3/S5): what the MFA code needs from an SMS provider, whichever provider it is.
// Adapters: MessageBird (production), outbox file and log (development and tests).

export interface SmsMessage {
  /** Recipient in E.164, e.g. `+819012345678` (normalize with `parsePhone` first). */
  to: string;
  /** The text; it carries a one-time code, so it must never be logged or put into errors. */
  body: string;
}

export interface SmsSendResult {
  /** The short code the message was sent from (picked from the configured pool). */
  originator: string;
  /** The provider's id for the message, when it gives one. */
  providerMessageId?: string;
}

export type SmsProviderName = 'messagebird' | 'outbox' | 'log';

export interface SmsSender {
  readonly name: SmsProviderName;
  /** Resolves once the provider accepted the message; rejects with `SmsSendError` otherwise. */
  send(msg: SmsMessage): Promise<SmsSendResult>;
}

export type SmsSendErrorKind = 'rejected' | 'unavailable' | 'timeout';

const SAFE_MESSAGES: Record<SmsSendErrorKind, string> = {
  rejected: 'The SMS provider refused the message.',
  unavailable: 'The SMS provider is unavailable.',
  timeout: 'The SMS provider did not answer in time.',
};

export interface SmsSendErrorDetails {
  provider: SmsProviderName;
  /** HTTP status of the provider's reply, if there was one. */
  statusCode?: number;
  /** Provider error codes (numbers only: the provider's descriptions are deliberately not kept). */
  providerErrorCodes?: readonly number[];
  /** Node network error code such as `ECONNREFUSED`, if the request never got a reply. */
  networkCode?: string;
}

/**
 * A failed send. The message is fixed per kind and safe to show to users and to log: it never
 * contains the SMS body (the one-time code) nor the provider's raw error text. No `cause` is
 * attached, so an error serializer cannot reach the request either.
 */
export class SmsSendError extends Error {
  readonly kind: SmsSendErrorKind;
  readonly provider: SmsProviderName;
  readonly statusCode: number | undefined;
  readonly providerErrorCodes: readonly number[];
  readonly networkCode: string | undefined;

  constructor(kind: SmsSendErrorKind, details: SmsSendErrorDetails) {
    super(SAFE_MESSAGES[kind]);
    this.name = 'SmsSendError';
    this.kind = kind;
    this.provider = details.provider;
    this.statusCode = details.statusCode;
    this.providerErrorCodes = details.providerErrorCodes ?? [];
    this.networkCode = details.networkCode;
  }
}

/** Picks a sender short code at random from the pool (S3). `random` returns a number in [0, 1). */
export function pickOriginator(pool: readonly string[], random: () => number = Math.random): string {
  if (pool.length === 0) throw new Error('SMS originator pool is empty');
  const r = random();
  const index = Number.isFinite(r) ? Math.min(pool.length - 1, Math.max(0, Math.floor(r * pool.length))) : 0;
  return pool[index];
}

// MessageBird accepts a number of up to 16 digits (optionally with a leading +) or an alphanumeric
// sender of up to 11 characters.
const ORIGINATOR = /^(\+?\d{1,16}|[A-Za-z0-9 ]{1,11})$/;

/** Fails fast at startup on an empty or malformed pool; returns a frozen copy. */
export function checkOriginatorPool(pool: readonly string[]): readonly string[] {
  if (pool.length === 0) throw new Error('SMS originator pool is empty');
  for (const originator of pool) {
    if (!ORIGINATOR.test(originator)) {
      throw new Error(`SMS originator ${JSON.stringify(originator)} is not a short code or sender id`);
    }
  }
  return Object.freeze([...pool]);
}
