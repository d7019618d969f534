// A TCP proxy for outage tests: pause() makes the backend look down (connections cut, new ones
// refused), resume() brings it back on the same port. Works for any TCP service (Redis, PostgreSQL).

import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Stops listening and destroys every live connection. */
  pause(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  /**
   * Arms a fault: the first client bytes matching `pattern` are dropped and the proxy pauses right
   * then, as if the backend died just before that command (e.g. between two steps of a request).
   * Resolves when it has tripped.
   */
  tripOn(pattern: RegExp): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let trip: { pattern: RegExp; fire: () => void } | undefined;
  let pause: () => Promise<void> = async () => {};

  const server = net.createServer((downstream) => {
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(downstream).add(upstream);
    const teardown = (): void => {
      downstream.destroy();
      upstream.destroy();
      sockets.delete(downstream);
      sockets.delete(upstream);
    };
    for (const socket of [downstream, upstream]) socket.on('error', teardown).on('close', teardown);
    downstream.on('data', (chunk: Buffer) => {
      if (trip?.pattern.test(chunk.toString('latin1'))) {
        const { fire } = trip;
        trip = undefined;
        void pause().then(fire);
        return;
      }
      upstream.write(chunk);
    });
    upstream.pipe(downstream);
  });

  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });

  await listen(0);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  const { port } = address;

  pause = async (): Promise<void> => {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  };

  return {
    port,
    pause,
    resume: async () => {
      if (!server.listening) await listen(port);
    },
    tripOn: (pattern) =>
      new Promise<void>((resolve) => {
        trip = { pattern, fire: resolve };
      }),
    close: pause,
  };
}
