// E3: `routes()` for a host that is not a koa app — Express, or Node's own http server. The same
// middleware runs in a small koa app of its own (its keys: the provider's cookie keys); a request
// that is not Deadbolt's is handed to the host's `next()` untouched (nothing read, nothing written).
// Mount it before any body parser of the host: Deadbolt reads its own form posts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import Koa from 'koa';

/** `(req, res, next)`: Express middleware, or call it from `http.createServer`. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export function nodeHandler(routes: Koa.Middleware, keys: Koa['keys'], proxy: boolean): NodeHandler {
  const app = new Koa();
  app.keys = keys;
  app.proxy = proxy;
  app.silent = true;
  const hosts = new WeakMap<IncomingMessage, (err?: unknown) => void>();
  app.use(async (ctx) => {
    let passed = false;
    await routes(ctx, async () => {
      passed = true;
    });
    if (!passed) return;
    ctx.respond = false;
    hosts.get(ctx.req)?.();
  });
  const callback = app.callback();
  return (req, res, next) => {
    hosts.set(req, next);
    void callback(req, res);
  };
}
