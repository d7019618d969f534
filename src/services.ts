// What the composition root (main.ts) builds and hands to every part of the server.
import type { Logger } from 'pino';
import type { Config } from './config/index.ts';
import type { Notifier } from './core/notifications.ts';
import type { Metrics } from './http/observability.ts';
import type { MailService } from './mail/service.ts';
import type { ClientRegistry } from './oidc/client-registry.ts';
import type { SmsSender } from './sms/sender.ts';
import type { EphemeralStore, SystemOfRecord } from './store/ports.ts';

export interface Services {
  config: Config;
  sor: SystemOfRecord;
  eph: EphemeralStore;
  logger: Logger;
  /** A2: relying-party clients (system of record) and the built-in first-party ones. */
  clients: ClientRegistry;
  /** Prometheus registry and the fleet metrics (X5, Z5), one set per server. */
  metrics: Metrics;
  /** SMS provider; when absent, the app creates the one configured in `config.sms`. */
  sms?: SmsSender;
  /** U1: the rate-limited mailer (SMTP in production, the outbox file elsewhere). */
  mail: MailService;
  /** U6: security notifications; `sor` above tells it of every committed audit event. */
  notifier: Notifier;
  /** E2, T1: a host's password check (its accounts port); absent: the system of record's hash. */
  verifyPassword?: (userId: string, password: string) => Promise<boolean>;
}
