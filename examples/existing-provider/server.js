// Starts the example host: PORT (default 3000), ISSUER (default http://localhost:PORT); Deadbolt's
// stores from DATABASE_URL / REDIS_URL, else embedded (PGlite under .data, memory).
import { createServer } from 'node:http';
import { createHost } from './host.js';

const port = Number(process.env.PORT ?? 3000);
const issuer = process.env.ISSUER ?? `http://localhost:${port}`;
const { app } = await createHost({
  issuer,
  cookieKeys: [process.env.COOKIE_KEY ?? 'example-cookie-key-change-me-0123456789'],
  clients: [
    {
      client_id: 'example-app',
      redirect_uris: ['http://localhost:8080/callback'],
      token_endpoint_auth_method: 'none',
    },
  ],
  stores: { databaseUrl: process.env.DATABASE_URL, redisUrl: process.env.REDIS_URL },
});
createServer(app.callback()).listen(port, () => console.log(`example host at ${issuer}`));
