// Composition root: read config, open stores, build the provider and app, listen; stop cleanly on
// SIGTERM/SIGINT.
import { ConfigError, loadConfig } from './config/index.ts';
import { DEMO_PASSWORD, DEMO_PEOPLE, seedDemo } from './demo/seed.ts';
import { openLogDestination } from './log-destination.ts';
import { createLogger, listen, openServices } from './server.ts';

async function main(): Promise<void> {
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`deadbolt: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config, await openLogDestination(config.logFormat));
  const services = await openServices(config, logger);
  if (config.demo) await seedDemo(services.sor);
  const running = await listen(services);
  // Z4: handle SIGTERM before saying "listening": a supervisor may signal as soon as it reads it.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, drainMs: config.shutdownDrainMs }, 'shutting down');
    // Z4: exit 0 once drained; 1 only when the window ran out (or closing the stores hangs).
    const force = setTimeout(() => process.exit(1), config.shutdownDrainMs + 5000);
    force.unref();
    const drained = await running.close(config.shutdownDrainMs);
    logger.info({ drained }, drained ? 'drained' : 'drain window exceeded');
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  logger.info(
    { issuer: config.issuer, database: services.sor.kind, redis: services.eph.kind, port: config.port },
    'deadbolt listening',
  );
  if (config.demo) {
    const lines = [
      '',
      `  Deadbolt is running at ${config.issuer}`,
      `  Demo relying party:  ${config.issuer}/demo`,
      `  Discovery:           ${config.issuer}/.well-known/openid-configuration`,
      `  Demo users (password "${DEMO_PASSWORD}"):`,
      ...DEMO_PEOPLE.map((p) => `    ${p.email.padEnd(22)} ${p.role.padEnd(7)} ${p.org}`),
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

main().catch((err: unknown) => {
  if ((err as Error).name === 'DataDirLockedError') {
    process.stderr.write(`deadbolt: refusing to start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  process.stderr.write(`deadbolt: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
