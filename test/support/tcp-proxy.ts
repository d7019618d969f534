// A TCP proxy for outage tests: pause() makes the backend look down (connections cut, new ones
// refused), resume() brings it back on the same port; hang() makes it look hung (connections stay
// open and new ones are accepted, but nothing is forwarded either way until resume()). Works for any
// TCP service (Redis, PostgreSQL).

import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Stops listening and destroys every live connection. */
  pause(): Promise<void>;
  /** Keeps every connection open (and accepts new ones) but forwards nothing: a hung backend. */
  hang(): void;
  /** Stops forwarding on the connections open now only (a dead network path); new ones work. */
  hangOpen(): void;
  /** Listens again on the same port, or forwards again after hang(). */
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
  let hung = false;
  const frozen = new Set<net.Socket>();
  let trip: { pattern: RegExp; fire: () => void } | undefined;
  let pause: () => Promise<void> = async () => {};
  const freeze = (socket: net.Socket): void => {
    frozen.add(socket);
    socket.pause();
  };
  // Data waits in the paused sockets (and the kernel) while hung, and flows on in order after.
  const forward = (from: net.Socket, to: net.Socket, client = false): void => {
    from.on('data', (chunk: Buffer) => {
      if (client && trip?.pattern.test(chunk.toString('latin1'))) {
        const { fire } = trip;
        trip = undefined;
        void pause().then(fire);
        return;
      }
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (!frozen.has(from)) from.resume();
    });
  };

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
    forward(downstream, upstream, true);
    forward(upstream, downstream);
    if (hung) for (const socket of [downstream, upstream]) freeze(socket);
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
    hang: () => {
      hung = true;
      for (const socket of sockets) freeze(socket);
    },
    hangOpen: () => {
      for (const socket of sockets) freeze(socket);
    },
    resume: async () => {
      hung = false;
      for (const socket of frozen) socket.resume();
      frozen.clear();
      if (!server.listening) await listen(port);
    },
    tripOn: (pattern) =>
      new Promise<void>((resolve) => {
        trip = { pattern, fire: resolve };
      }),
    close: pause,
  };
}
