// X9: an organization's owner brands the hosted pages (display name, logo, accent colour); a
// sign-in for the organization's client shows them, served from our origin under the same CSP.
import assert from 'node:assert/strict';
import { clientSchema } from '../../src/oidc/clients.ts';
import type { Organization } from '../../src/store/records.ts';
import { accountSignIn, csrfOf, giveTotp } from '../support/account.ts';
import { Browser, type Page } from '../support/browser.ts';
import { open, RelyingParty } from '../support/rp.ts';
import { RP_REDIRECT, STORE_MODES, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long and correct password';
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(120).fill(7)]);
const SVG = new TextEncoder().encode(
  '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
);

for (const mode of STORE_MODES) {
  describe(`X9: per-organization branding (${mode} stores)`, function () {
    this.timeout(120_000);
    let server: TestServer;
    let org: Organization;
    let owner: Browser;
    let orgPage: Page;
    before(async () => {
      server = await startTestServer(mode);
      const { sor, clients } = server.services;
      org = await sor.createOrg({ name: `Acme ${mode}`, plan: 'free' });
      const email = `owner-${mode}@acme.test`;
      const userId = await server.createUser(email, PASSWORD);
      await sor.setMembership(userId, org.id, 'owner');
      const secret = await giveTotp(server, userId);
      const client = clientSchema.parse({
        client_id: `acme-app-${mode}`,
        client_name: 'Acme portal',
        redirect_uris: [RP_REDIRECT],
        token_endpoint_auth_method: 'none',
        org_id: org.id,
      });
      await clients.save(client);
      owner = new Browser();
      await accountSignIn(owner, server, email, PASSWORD, secret);
      orgPage = await owner.follow(new URL(`/account/organizations/${org.id}`, server.issuer));
      assert.equal(orgPage.status, 200);
    });
    after(() => server?.stop());

    /** Posts the owner's branding form as a browser would (multipart/form-data). */
    async function saveBranding(
      fields: Record<string, string>,
      logo?: { bytes: Uint8Array; name: string; type: string },
    ) {
      const url = new URL(`/account/organizations/${org.id}/branding`, server.issuer);
      const form = new FormData();
      form.set('csrf', csrfOf(orgPage));
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      if (logo) form.set('logo', new Blob([logo.bytes], { type: logo.type }), logo.name);
      const res = await fetch(url, {
        method: 'POST',
        body: form,
        headers: { cookie: owner.cookieHeader(url), accept: 'text/html', 'accept-language': 'en' },
        redirect: 'manual',
      });
      return { status: res.status, text: await res.text(), location: res.headers.get('location') };
    }

    async function signInPage(clientId: string): Promise<Page> {
      const rp = await RelyingParty.discover(server.issuer, clientId);
      return open(new Browser(), await rp.authorize());
    }

    it('X9: an oversized logo, a non-image, an SVG with a script and a colour failing AA contrast are refused with a clear 4xx, and nothing is stored', async () => {
      const big = new Uint8Array(250 * 1024);
      big.set(PNG);
      const tooBig = await saveBranding(
        { display_name: 'Acme' },
        { bytes: big, name: 'logo.png', type: 'image/png' },
      );
      assert.equal(tooBig.status, 413);
      assert.match(tooBig.text, /too large.*200 KB/);
      const text = await saveBranding(
        {},
        {
          bytes: new TextEncoder().encode('just some text, not an image'),
          name: 'logo.png',
          type: 'image/png',
        },
      );
      assert.equal(text.status, 415);
      assert.match(text.text, /must be a PNG, JPEG or WebP image/);
      const svg = await saveBranding({}, { bytes: SVG, name: 'logo.svg', type: 'image/svg+xml' });
      assert.equal(svg.status, 415);
      assert.match(svg.text, /SVG included, are not accepted/);
      const pale = await saveBranding({ accent_color: '#ffcc00' });
      assert.equal(pale.status, 400);
      assert.match(pale.text, /contrast of only 1\.\d+:1; at least 4\.5:1/);
      const malformed = await saveBranding({ accent_color: 'red; } body { display: none' });
      assert.equal(malformed.status, 400);
      assert.equal(await server.services.sor.findBranding(org.id), undefined, 'nothing stored');
      const page = await signInPage(`acme-app-${mode}`);
      assert.doesNotMatch(page.text, /\/branding\//);
    });

    it("X9: after the owner uploads a PNG logo, the sign-in page for the organization's client shows the name, the logo (served with its type and nosniff) and the accent theme; the CSP stays strict", async () => {
      const saved = await saveBranding(
        { display_name: 'Acme Corporation', accent_color: '#1F4E99' },
        { bytes: PNG, name: 'acme.png', type: 'image/png' },
      );
      assert.equal(saved.status, 303, saved.text.slice(0, 300));
      const page = await signInPage(`acme-app-${mode}`);
      assert.equal(page.status, 200);
      assert.match(page.text, /Acme Corporation/);
      const logoUrl = new RegExp(`src="(/branding/${org.id}/logo\\?v=\\d+)"`).exec(page.text)?.[1];
      const themeUrl = new RegExp(`href="(/branding/${org.id}/theme\\.css\\?v=\\d+)"`).exec(page.text)?.[1];
      assert.ok(logoUrl, 'the logo on the sign-in page');
      assert.ok(themeUrl, 'the theme linked from the layout');

      const logo = await fetch(new URL(logoUrl, server.issuer));
      assert.equal(logo.status, 200);
      assert.equal(logo.headers.get('content-type'), 'image/png');
      assert.equal(logo.headers.get('x-content-type-options'), 'nosniff');
      assert.match(logo.headers.get('cache-control') ?? '', /max-age=31536000/);
      assert.deepEqual(new Uint8Array(await logo.arrayBuffer()), PNG);
      const theme = await fetch(new URL(themeUrl, server.issuer));
      assert.match(theme.headers.get('content-type') ?? '', /^text\/css/);
      assert.match(await theme.text(), /--accent: #1f4e99;/);

      // The same policy as an unbranded sign-in: no 'unsafe-inline', styles and images from us only.
      const plain = await signInPage('first-party-app');
      assert.doesNotMatch(plain.text, /\/branding\//, 'another client is not branded');
      const csp = page.headers.get('content-security-policy') ?? '';
      assert.equal(csp, plain.headers.get('content-security-policy'));
      assert.doesNotMatch(csp, /unsafe-inline/);
      assert.match(csp, /style-src 'self'/);

      // The organization's own account page carries the branding too.
      const again = await owner.follow(new URL(`/account/organizations/${org.id}`, server.issuer));
      assert.match(again.text, new RegExp(`href="/branding/${org.id}/theme\\.css`));
      assert.match(again.text, /value="Acme Corporation"/);
    });
  });
}
