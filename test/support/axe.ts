// X8: scans hosted pages with axe-core in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core). A page is captured by the test's own user agent (test/support/browser.ts) and
// replayed into Chromium at its real URL with its real headers (CSP included), so styles load from
// the server and the page is exactly what a person gets; axe is evaluated over the DevTools protocol.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import type { Page as CapturedPage } from './browser.ts';

const require = createRequire(import.meta.url);
// Evaluated through the DevTools protocol: our pages' CSP (script-src 'self') refuses the inline
// <script> addScriptTag would add, and the test must not weaken the CSP it checks the page under.
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa'];

export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

export interface Scan {
  violations: Violation[];
  screenshot: string;
}

export class AxeScanner {
  readonly shotsDir = mkdtempSync(join(tmpdir(), 'deadbolt-axe-'));
  private browser?: Browser;
  private contexts = new Map<string, BrowserContext>();

  async start(): Promise<void> {
    this.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }

  async stop(): Promise<void> {
    await this.browser?.close();
  }

  /** One context per colour scheme, reused for every page. */
  private async context(scheme: 'light' | 'dark'): Promise<BrowserContext> {
    let context = this.contexts.get(scheme);
    if (!context) {
      if (!this.browser) throw new Error('AxeScanner not started');
      context = await this.browser.newContext({
        colorScheme: scheme,
        viewport: { width: 1024, height: 800 },
      });
      this.contexts.set(scheme, context);
    }
    return context;
  }

  /** Replays a captured page at its URL in Chromium and runs axe over it. */
  async scan(captured: CapturedPage, name: string, scheme: 'light' | 'dark'): Promise<Scan> {
    const page = await (await this.context(scheme)).newPage();
    try {
      const headers: Record<string, string> = {};
      captured.headers.forEach((value, key) => {
        if (key !== 'set-cookie' && key !== 'content-length' && key !== 'content-encoding')
          headers[key] = value;
      });
      await page.route(captured.url, (route) =>
        route.fulfill({ status: captured.status, headers, body: captured.text }),
      );
      await page.goto(captured.url, { waitUntil: 'load' });
      await page.emulateMedia({ colorScheme: scheme });
      await page.evaluate(AXE_SOURCE);
      const violations = (await page.evaluate(
        (tags) =>
          (
            globalThis as unknown as {
              document: unknown;
              axe: { run(doc: unknown, opts: unknown): Promise<{ violations: unknown[] }> };
            }
          ).axe
            .run((globalThis as unknown as { document: unknown }).document, { runOnly: tags })
            .then((r) =>
              r.violations.map((v) => {
                const x = v as {
                  id: string;
                  impact: string | null;
                  help: string;
                  nodes: { target: string[] }[];
                };
                return {
                  id: x.id,
                  impact: x.impact,
                  help: x.help,
                  targets: x.nodes.map((n) => n.target.join(' ')),
                };
              }),
            ),
        WCAG_TAGS,
      )) as Violation[];
      const screenshot = join(this.shotsDir, `${name.replace(/[^\w.-]+/g, '_')}-${scheme}.png`);
      await page.screenshot({ path: screenshot, fullPage: true });
      return { violations, screenshot };
    } finally {
      await page.close();
    }
  }
}
