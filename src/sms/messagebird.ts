// Production SMS adapter (S3/S5): MessageBird's REST API through the official SDK.
//
// Notes on the SDK (messagebird 4.0.1, CommonJS with a callback API):
// - Node's CJS lexer finds `initClient`, so the named ESM import works.
// - Its `timeout` is a socket *idle* timeout that aborts the request; the resulting error is a
//   generic "request closed" / "socket hang up" without a status. The deadline that matters is
//   enforced here with a timer.
// - It reports an error only when the reply has an `errors` array (or is not JSON): a 5xx with
//   some other JSON body comes back as a "success", so the reply is checked for a message id.
// - It joins `recipients` into a comma-separated string in the object it is given (mutating it).
// - The host rest.messagebird.com is hard-coded; tests intercept it with nock.
// Nothing here logs or rethrows the SDK's error text, and the body never leaves `send`.
import { initClient, type Message, type MessageParameters } from 'messagebird';
import {
  checkOriginatorPool,
  pickOriginator,
  type SmsMessage,
  SmsSendError,
  type SmsSendErrorKind,
  type SmsSender,
  type SmsSendResult,
} from './sender.ts';

export interface MessageBirdSenderOptions {
  accessKey: string;
  /** Short codes to send from; one is picked at random per message. */
  originators: readonly string[];
  /** Deadline for MessageBird to accept a message, in milliseconds. */
  timeoutMs: number;
  /** For tests: source of randomness for the originator pick, in [0, 1). */
  random?: () => number;
}

/** The shape of errors the SDK hands to callbacks (it decorates plain `Error`s). */
interface SdkError extends Error {
  statusCode?: number;
  errors?: Array<{ code?: number; description?: string; parameter?: string }>;
  error?: { code?: string };
}

export function createMessageBirdSender(options: MessageBirdSenderOptions): SmsSender {
  const { accessKey, timeoutMs } = options;
  if (!accessKey) throw new Error('MessageBird access key is not configured');
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error('SMS timeoutMs must be positive');
  const pool = checkOriginatorPool(options.originators);
  const random = options.random ?? Math.random;
  // The SDK's own socket timeout is set to the same value: it starts later than the timer below,
  // so the timer wins, and the SDK then tears the socket down instead of leaving it open.
  const client = initClient(accessKey, timeoutMs);

  return {
    name: 'messagebird',
    send(msg: SmsMessage): Promise<SmsSendResult> {
      const originator = pickOriginator(pool, random);
      const params: MessageParameters = { originator, recipients: [msg.to], body: msg.body };
      const started = Date.now();

      return new Promise<SmsSendResult>((resolve, reject) => {
        let settled = false;
        const timer = setTimeout(() => {
          settled = true;
          reject(new SmsSendError('timeout', { provider: 'messagebird' }));
        }, timeoutMs);

        const finish = (err: Error | null, res: Message | null): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (err) {
            reject(toSmsSendError(err as SdkError, Date.now() - started >= timeoutMs));
            return;
          }
          const id = messageId(res);
          if (id === undefined) {
            // A reply without an id is not an accepted message (e.g. a 5xx the SDK took for success).
            reject(new SmsSendError('unavailable', { provider: 'messagebird' }));
            return;
          }
          resolve({ originator, providerMessageId: id });
        };

        try {
          client.messages.create(params, finish);
        } catch {
          finish(new Error('request failed'), null);
        }
      });
    },
  };
}

function messageId(res: unknown): string | undefined {
  if (typeof res !== 'object' || res === null || !('id' in res)) return undefined;
  const { id } = res;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Maps an SDK error to a typed, body-free error: 4xx (401, 422, …) → rejected, 429, 5xx and
 * network failures → unavailable, 408 and the deadline → timeout. */
function toSmsSendError(err: SdkError, pastDeadline: boolean): SmsSendError {
  const statusCode = typeof err.statusCode === 'number' ? err.statusCode : undefined;
  const providerErrorCodes = Array.isArray(err.errors)
    ? err.errors.map((e) => e.code).filter((c): c is number => typeof c === 'number')
    : [];
  const networkCode = typeof err.error?.code === 'string' ? err.error.code : undefined;

  let kind: SmsSendErrorKind;
  if (statusCode === undefined) {
    // No HTTP reply: a network failure, or the SDK's socket timeout if the deadline has passed.
    kind = pastDeadline ? 'timeout' : 'unavailable';
  } else if (statusCode === 408) {
    kind = 'timeout';
  } else if (statusCode === 429 || statusCode >= 500 || statusCode < 400) {
    kind = 'unavailable';
  } else {
    kind = 'rejected';
  }
  return new SmsSendError(kind, { provider: 'messagebird', statusCode, providerErrorCodes, networkCode });
}
