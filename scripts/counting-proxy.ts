// A TCP proxy that counts round trips between a server and its backend (Redis, PostgreSQL), for
// benchmarks. Put it between the two and read `snapshot()` before and after the request of interest.
//
// Method. A round trip is a request burst: bytes from the client after the backend's last reply on
// that connection (or on a fresh connection). Commands written together (a pipeline, a MULTI…EXEC,
// or two commands issued in the same tick) reach the proxy before any reply, so they count as one
// round trip; a command sent only after a reply arrived counts as another. `sequential` counts
// bursts that start while no other connection awaits a reply (the latency-relevant number when a
// pool runs queries in parallel); `bursts` counts them per connection. With `resp: true` the
// client→server stream is decoded as RESP to list the Redis command names (arguments are never
// kept: they may carry session data).
import net from 'node:net';

export interface ProxyCounts {
  bursts: number;
  sequential: number;
  commands: string[];
}

export interface CountingProxy {
  readonly port: number;
  snapshot(): ProxyCounts;
  close(): Promise<void>;
}

export async function startCountingProxy(
  targetHost: string,
  targetPort: number,
  options: { resp?: boolean } = {},
): Promise<CountingProxy> {
  const sockets = new Set<net.Socket>();
  const awaiting = new Set<net.Socket>();
  const counts: ProxyCounts = { bursts: 0, sequential: 0, commands: [] };

  const server = net.createServer((downstream) => {
    downstream.setNoDelay(true);
    const upstream = net.connect(targetPort, targetHost);
    upstream.setNoDelay(true);
    sockets.add(downstream).add(upstream);
    const resp = options.resp ? respCommandNames((name) => counts.commands.push(name)) : undefined;
    const teardown = (): void => {
      awaiting.delete(downstream);
      downstream.destroy();
      upstream.destroy();
      sockets.delete(downstream);
      sockets.delete(upstream);
    };
    for (const socket of [downstream, upstream]) socket.on('error', teardown).on('close', teardown);
    downstream.on('data', (chunk: Buffer) => {
      if (!awaiting.has(downstream)) {
        counts.bursts++;
        if (awaiting.size === 0) counts.sequential++;
        awaiting.add(downstream);
      }
      resp?.(chunk);
      if (!upstream.write(chunk)) downstream.pause();
    });
    upstream.on('drain', () => downstream.resume());
    upstream.on('data', (chunk: Buffer) => {
      awaiting.delete(downstream);
      if (!downstream.write(chunk)) upstream.pause();
    });
    downstream.on('drain', () => upstream.resume());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');

  return {
    port: address.port,
    snapshot: () => ({ ...counts, commands: [...counts.commands] }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Decodes client→server RESP (arrays of bulk strings) and reports each command's name. */
function respCommandNames(onCommand: (name: string) => void): (chunk: Buffer) => void {
  let buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const parsed = parseCommand(buffer);
      if (!parsed) return;
      onCommand(parsed.name);
      buffer = buffer.subarray(parsed.length);
    }
  };
}

function parseCommand(buf: Buffer): { name: string; length: number } | undefined {
  const line = (at: number) => {
    const end = buf.indexOf('\r\n', at);
    return end === -1 ? undefined : { text: buf.toString('latin1', at, end), next: end + 2 };
  };
  const head = line(0);
  if (!head) return undefined;
  if (!head.text.startsWith('*')) return { name: head.text.split(' ')[0].toUpperCase(), length: head.next };
  let at = head.next;
  let name = '';
  for (let i = 0; i < Number(head.text.slice(1)); i++) {
    const len = line(at);
    if (!len) return undefined;
    const size = Number(len.text.slice(1));
    if (buf.length < len.next + size + 2) return undefined;
    if (i === 0) name = buf.toString('latin1', len.next, len.next + size).toUpperCase();
    at = len.next + size + 2;
  }
  return { name, length: at };
}
