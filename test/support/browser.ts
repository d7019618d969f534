// A minimal user agent for end-to-end tests: fetch with a cookie jar (name+path scoped), manual
// redirects, and helpers to read and submit the hosted pages' forms. The relying party is
// openid-client (test/support/rp.ts); this plays the person's browser.

interface Cookie {
  name: string;
  value: string;
  path: string;
}

export interface Page {
  status: number;
  url: string;
  headers: Headers;
  text: string;
}

export class Browser {
  readonly jar = new Map<string, Cookie>();
  acceptLanguage = 'en';

  cookieHeader(url: URL): string {
    return [...this.jar.values()]
      .filter((c) => url.pathname.startsWith(c.path))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, headers: Headers) {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const pathAttr = attrs.find((a) => a.toLowerCase().startsWith('path='));
      const path = pathAttr ? pathAttr.slice(5) : '/';
      const expired =
        attrs.some((a) => /^max-age=0$/i.test(a)) ||
        attrs.some((a) => /^expires=/i.test(a) && new Date(a.slice(8)).getTime() < Date.now()) ||
        value === '';
      const key = `${name}|${path}`;
      if (expired) this.jar.delete(key);
      else this.jar.set(key, { name, value, path });
      void url;
    }
  }

  /** One request, no redirect following. */
  async request(
    url: string | URL,
    init: {
      method?: string;
      form?: Record<string, string>;
      headers?: Record<string, string>;
      body?: string;
    } = {},
  ): Promise<Page> {
    const u = new URL(url);
    const headers: Record<string, string> = {
      'accept-language': this.acceptLanguage,
      accept: 'text/html',
      ...init.headers,
    };
    const cookie = this.cookieHeader(u);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined = init.body;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const res = await fetch(u, {
      method: init.method ?? (body !== undefined ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    this.store(u, res.headers);
    return { status: res.status, url: u.href, headers: res.headers, text: await res.text() };
  }

  /** Follows redirects until a page or a URL matching `stopAt` (e.g. the RP's callback). */
  async follow(start: string | URL, stopAt?: (url: URL) => boolean, first?: Page): Promise<Page> {
    let page = first ?? (await this.request(start));
    for (let i = 0; i < 20 && page.status >= 300 && page.status < 400; i++) {
      const next = new URL(page.headers.get('location') ?? '', page.url);
      if (stopAt?.(next)) return { status: 0, url: next.href, headers: new Headers(), text: '' };
      page = await this.request(next);
    }
    // The provider answers some steps with a self-submitting form_post page.
    const formPost = /<form method="post" action="([^"]+)"/i.exec(page.text);
    if (page.status === 200 && formPost && /document\.forms\[0\]\.submit|onload/i.test(page.text)) {
      return this.follow(
        new URL(decode(formPost[1]), page.url),
        stopAt,
        await this.request(new URL(decode(formPost[1]), page.url), { form: hiddenInputs(page.text) }),
      );
    }
    return page;
  }

  /** Submits the first form on the page (or the one whose action matches) with extra fields. */
  async submit(
    page: Page,
    fields: Record<string, string>,
    actionMatch?: RegExp,
    stopAt?: (url: URL) => boolean,
  ): Promise<Page> {
    const action = formAction(page.text, actionMatch);
    const url = new URL(action, page.url);
    const res = await this.request(url, { form: { ...hiddenInputs(page.text, actionMatch), ...fields } });
    return this.follow(url, stopAt, res);
  }
}

export function decode(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&#x2F;/g, '/')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

function forms(html: string): string[] {
  return [...html.matchAll(/<form\b[\s\S]*?<\/form>/gi)].map((m) => m[0]);
}

function pick(html: string, actionMatch?: RegExp): string {
  const all = forms(html);
  const found = actionMatch
    ? all.find((f) => actionMatch.test(/action="([^"]*)"/.exec(f)?.[1] ?? ''))
    : all[0];
  if (!found)
    throw new Error(
      `no form${actionMatch ? ` matching ${actionMatch}` : ''} on page:\n${html.slice(0, 2000)}`,
    );
  return found;
}

export function formAction(html: string, actionMatch?: RegExp): string {
  return decode(/action="([^"]*)"/.exec(pick(html, actionMatch))?.[1] ?? '');
}

export function hiddenInputs(html: string, actionMatch?: RegExp): Record<string, string> {
  const form = pick(html, actionMatch);
  const out: Record<string, string> = {};
  for (const m of form.matchAll(/<input\b[^>]*type="hidden"[^>]*>/gi)) {
    const name = /name="([^"]*)"/.exec(m[0])?.[1];
    const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
    if (name) out[name] = decode(value);
  }
  return out;
}

/** Visible text of a page (tags stripped), for assertions on messages. */
export function textOf(html: string): string {
  return decode(html.replace(/<script[\s\S]*?<\/script>/gi, '').replace(/<[^>]+>/g, ' ')).replace(
    /\s+/g,
    ' ',
  );
}
