// Sending mail for the product (U1): every send is counted per address, per user and per client IP
// before it goes out (V2, src/store/attempt.ts with `counts: 'checks'`); a failed send gives its
// points back and changes nothing else. Logs say which kind of mail went out, never its body.
import type { Logger } from 'pino';
import type { MailSettings } from '../config/mail.ts';
import { beginAttempt } from '../store/attempt.ts';
import type { EphemeralStore } from '../store/ports.ts';
import { type Mailer, type MailMessage, MailSendError } from './mailer.ts';

export type MailOutcome =
  | { sent: true }
  | { sent: false; reason: 'rate_limited'; retryAfterSeconds: number }
  | { sent: false; reason: 'failed'; message: string };

export interface MailSendOptions {
  /** What kind of mail this is, for logs and metrics (e.g. `recovery`, `notify.factor.enrolled`). */
  kind: string;
  userId?: string;
  ip?: string;
}

export function createMailService(
  mailer: Mailer,
  eph: EphemeralStore,
  settings: Pick<MailSettings, 'limits'>,
  logger: Logger,
) {
  const { windowSeconds: durationSeconds, perAddress, perUser, perIp } = settings.limits;
  const limiters = {
    address: eph.rateLimiter({ keyPrefix: 'mail:address', points: perAddress, durationSeconds }),
    user: eph.rateLimiter({ keyPrefix: 'mail:user', points: perUser, durationSeconds }),
    ip: eph.rateLimiter({ keyPrefix: 'mail:ip', points: perIp, durationSeconds }),
  };

  async function send(msg: MailMessage, opts: MailSendOptions): Promise<MailOutcome> {
    const attempt = await beginAttempt([
      { limiter: limiters.address, key: msg.to.trim().toLowerCase(), counts: 'checks' },
      { limiter: limiters.user, key: opts.userId, counts: 'checks' },
      { limiter: limiters.ip, key: opts.ip, counts: 'checks' },
    ]);
    const log = { event: 'mail', mail: { kind: opts.kind, mailer: mailer.name, userId: opts.userId } };
    if (!attempt.allowed) {
      logger.warn({ ...log, result: 'rate_limited' }, 'mail not sent: rate limited');
      return { sent: false, reason: 'rate_limited', retryAfterSeconds: attempt.retryAfterSeconds };
    }
    try {
      await mailer.send(msg);
    } catch (err) {
      await attempt.cancel().catch(() => undefined); // nothing went out: nothing is spent
      const message = err instanceof MailSendError ? err.message : 'The mail could not be written.';
      const code = err instanceof MailSendError ? err.code : (err as NodeJS.ErrnoException).code;
      logger.error({ ...log, result: 'failed', error: message, code }, 'mail not sent');
      return { sent: false, reason: 'failed', message };
    }
    await attempt.succeed();
    logger.info({ ...log, result: 'sent' }, 'mail sent');
    return { sent: true };
  }

  return { send, mailer };
}

export type MailService = ReturnType<typeof createMailService>;
