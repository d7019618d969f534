// Z4: SIGTERM drains. The listener closes (new connections are refused), idle keep-alive
// connections close at once, and every response from then on says `Connection: close`, so each
// busy connection closes after its in-flight response; the server is idle once those are done.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface Drainer {
  /** Resolves true once every connection is closed, false (all cut) if `windowMs` ran out first. */
  drain(windowMs: number): Promise<boolean>;
}

export function drainable(server: Server): Drainer {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  const closeAfter = (res: ServerResponse): void => {
    // Not yet sent: the header makes Node end the connection after this response. Already
    // streaming: the connection is closed as idle once the response is done (below).
    if (!res.headersSent) res.setHeader('connection', 'close');
  };
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    if (draining) closeAfter(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
  });
  return {
    async drain(windowMs) {
      draining = true;
      for (const res of inFlight) closeAfter(res);
      const closed = new Promise<boolean>((resolve) => server.close(() => resolve(true)));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), windowMs);
      });
      const drained = await Promise.race([closed, expired]);
      clearTimeout(timer);
      if (!drained) server.closeAllConnections();
      return drained;
    },
  };
}
