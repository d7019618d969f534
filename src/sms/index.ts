// Chooses the SMS adapter from configuration (S3): MessageBird in production, the outbox file or
// the log for development and tests.
import type { SmsLogger } from './log.ts';
import { createLogSender } from './log.ts';
import { createMessageBirdSender } from './messagebird.ts';
import { createOutboxSender } from './outbox.ts';
import type { SmsProviderName, SmsSender } from './sender.ts';

export type { SmsLogger } from './log.ts';
export { type OutboxEntry, readOutbox } from './outbox.ts';
export {
  pickOriginator,
  type SmsMessage,
  type SmsProviderName,
  SmsSendError,
  type SmsSendErrorKind,
  type SmsSender,
  type SmsSendResult,
} from './sender.ts';

export interface SmsConfig {
  provider: SmsProviderName;
  /** Required for `messagebird`. */
  accessKey?: string;
  originators: string[];
  /** Used by the `outbox` provider. */
  outboxFile: string;
  /** Used by the `messagebird` provider. */
  timeoutMs: number;
}

export function createSmsSender(config: SmsConfig, logger: SmsLogger): SmsSender {
  const { provider, originators } = config;
  let sender: SmsSender;
  switch (provider) {
    case 'messagebird':
      if (!config.accessKey)
        throw new Error('sms.provider is messagebird but no MessageBird access key is set');
      sender = createMessageBirdSender({
        accessKey: config.accessKey,
        originators,
        timeoutMs: config.timeoutMs,
      });
      break;
    case 'outbox':
      sender = createOutboxSender({ file: config.outboxFile, originators });
      break;
    case 'log':
      sender = createLogSender({ originators, logger });
      break;
    default: {
      const unknown: never = provider;
      throw new Error(`unknown SMS provider ${String(unknown)}`);
    }
  }
  // The access key is never logged.
  if (provider !== 'messagebird') {
    const where = provider === 'outbox' ? { outboxFile: config.outboxFile } : {};
    logger.warn({ sms: { provider, ...where } }, 'sms provider is for development only: no SMS is sent');
  }
  return sender;
}
