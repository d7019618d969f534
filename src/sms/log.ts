// Development-only SMS adapter: logs that a message was "sent", with the recipient masked and the
// originator, and deliberately NOT the body. Since the one-time code never appears anywhere, this
// adapter is only good for exercising the flow (rate limits, resend, error pages); to actually
// complete an SMS sign-in in development, use the outbox adapter and read the code from its file.
import { maskPhone } from '../mfa/sms/phone.ts';
import {
  checkOriginatorPool,
  pickOriginator,
  type SmsMessage,
  type SmsSender,
  type SmsSendResult,
} from './sender.ts';

/** The part of a pino logger the SMS adapters use. */
export interface SmsLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface LogSenderOptions {
  originators: readonly string[];
  logger: SmsLogger;
  /** For tests: source of randomness for the originator pick, in [0, 1). */
  random?: () => number;
}

export function createLogSender(options: LogSenderOptions): SmsSender {
  const pool = checkOriginatorPool(options.originators);
  const { logger } = options;
  const random = options.random ?? Math.random;

  return {
    name: 'log',
    async send(msg: SmsMessage): Promise<SmsSendResult> {
      const originator = pickOriginator(pool, random);
      // The body is left out on purpose: it carries the code.
      logger.info(
        { sms: { provider: 'log', to: maskPhone(msg.to), originator } },
        'sms sent (body not logged)',
      );
      return { originator };
    },
  };
}
