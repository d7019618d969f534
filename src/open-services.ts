// Opens what every part of Deadbolt runs on — config → logger, stores (timed, memoized, with
// notifications), clients, mail — for the reference server (src/server.ts), the CLI, the tests and
// an embedding host (src/extension/create.ts) alike.

import pino, { type Logger } from 'pino';
import type { Config } from './config/index.ts';
import { withNotifications } from './core/notifications.ts';
import { createMetrics } from './http/observability.ts';
import { createMailer } from './mail/index.ts';
import { createMailService } from './mail/service.ts';
import { builtInClients } from './oidc/built-in-clients.ts';
import { createClientRegistry, importClients } from './oidc/client-registry.ts';
import { readClientsFile } from './oidc/clients.ts';
import { timedEphemeralStore, timedSystemOfRecord } from './ops/timed-stores.ts';
import type { Services } from './services.ts';
import { openEphemeralStore } from './store/ephemeral/index.ts';
import { memoizedEphemeral } from './store/ephemeral/request-memo.ts';
import { memoizedReads } from './store/read-memo.ts';
import { openSystemOfRecord } from './store/sor/index.ts';

/** `destination`: where the JSON lines go (default stdout), e.g. a buffer in tests. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    // Defence in depth: these fields never carry secrets in our code, but never print them.
    redact: {
      paths: ['password', 'code', 'secret', 'otp', '*.password', '*.code', '*.secret'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The system of record and the ephemeral store the configuration names (Z3 bounds, X5 cap). */
async function openStores(config: Config, logger: Logger) {
  const { poolSize: max, connectTimeoutMs, queryTimeoutMs } = config.database;
  const sor = await openSystemOfRecord({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    pool: { max, connectTimeoutMs, queryTimeoutMs },
    onStaleLock: (previous) =>
      logger.warn(
        { dataDir: config.dataDir, previous: previous && { pid: previous.pid, since: previous.startedAt } },
        'took over a stale DATA_DIR lock (its process is gone)',
      ),
  });
  const eph = openEphemeralStore({
    redis: config.redis,
    keyPrefix: config.redisKeyPrefix,
    commandTimeoutMs: config.redisCommandTimeoutMs,
    memory: {
      maxKeys: config.memoryStoreMaxKeys,
      onEvictions: (count, maxKeys) =>
        logger.warn(
          { evicted: count, maxKeys },
          'in-memory store full (MEMORY_STORE_MAX_KEYS): evicted the oldest keys, e.g. sessions; raise the cap or configure REDIS_URL',
        ),
    },
  });
  return { sor, eph };
}

export async function openServices(
  config: Config,
  logger = createLogger(config),
  /** E2: a host's provider has its own clients: no CLIENTS_FILE import. */
  options: { importClients?: boolean } = {},
): Promise<Services> {
  // A2: CLIENTS_FILE is an optional import at start (upsert by client_id); clients live in the SoR.
  const imported =
    options.importClients === false ? [] : await readClientsFile(config.clientsFile, { missingOk: true });
  const builtIn = builtInClients(config);
  const { sor, eph } = await openStores(config, logger);
  // Z5: every store call is timed and its failures counted at the port boundary.
  const metrics = createMetrics();
  const timedSor = timedSystemOfRecord(sor, metrics);
  // A2: cached per process, emptied on every instance by each change (the ephemeral store's feed).
  const clients = createClientRegistry(timedSor, config, builtIn, {
    changes: eph.changes,
    onPublishError: (err) =>
      logger.error(
        { err },
        'a client change was saved but other instances were not told; they see it within 30 s',
      ),
  });
  const isBuiltIn = (id: string) => builtIn.some((b) => b.client_id === id);
  try {
    await importClients(
      clients,
      imported.filter((c) => !isBuiltIn(c.client_id)),
    );
  } catch (err) {
    await Promise.allSettled([sor.close(), eph.close()]);
    throw err;
  }
  const timedEph = timedEphemeralStore(eph, metrics);
  // U1, U6: one mailer; every committed audit event that calls for a notice sends one.
  const mail = createMailService(createMailer(config.mail, logger), timedEph, config.mail, logger);
  const notified = withNotifications(timedSor, mail, logger);
  return {
    config,
    sor: memoizedReads(notified.sor), // issue 18: one read per request; U6: notices after commit
    eph: memoizedEphemeral(timedEph), // issue 18: a request reads a key once
    logger,
    clients,
    metrics,
    mail,
    notifier: notified.notifier,
  };
}
