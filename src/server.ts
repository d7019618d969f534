// Wires config → stores → provider → HTTP app. Used by main.ts, the CLI and the tests alike, so the
// demo, the tests and production run the same code paths.
import { createServer, type Server } from 'node:http';
import { type AppOptions, type AppParts, createApp } from './app.ts';
import { drainable } from './http/drain.ts';
import type { Services } from './services.ts';

export { createLogger, openServices } from './open-services.ts';

export function buildApp(services: Services, options: AppOptions = {}): AppParts {
  return createApp(services, options);
}

export interface RunningServer extends AppParts {
  server: Server;
  services: Services;
  url: string;
  /**
   * Drains (Z4: no new connections, in-flight requests finish, keep-alive connections close) for
   * at most `drainMs` (default SHUTDOWN_DRAIN_MS), then closes the stores. False when the window
   * ran out and the remaining connections were cut.
   */
  close(drainMs?: number): Promise<boolean>;
}

export async function listen(services: Services, parts = buildApp(services)): Promise<RunningServer> {
  const { config } = services;
  const server = createServer(parts.app.callback());
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const drainer = drainable(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    ...parts,
    server,
    services,
    url: `http://localhost:${port}`,
    async close(drainMs = config.shutdownDrainMs) {
      const drained = await drainer.drain(drainMs);
      await services.notifier.flush(); // U6: notices of the last requests go out first
      await Promise.allSettled([services.sor.close(), services.eph.close()]);
      return drained;
    },
  };
}
