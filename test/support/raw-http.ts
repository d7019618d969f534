// Raw HTTP requests for tests that need a request target or headers fetch would normalise away
// (`/\evil.example`, absolute-form targets, X-Forwarded-*), plus link extraction from HTML.
import http from 'node:http';
import { decode } from './browser.ts';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Sends `path` exactly as given (no URL normalisation) to the server at `base`. */
export function rawRequest(
  base: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, path, method: init.method ?? 'GET', headers: init.headers, agent: init.agent },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Every href, action and formaction in the HTML, entity-decoded. */
export function linksOf(html: string): string[] {
  return [...html.matchAll(/\b(?:href|action|formaction)\s*=\s*"([^"]*)"/gi)].map((m) => decode(m[1]));
}
