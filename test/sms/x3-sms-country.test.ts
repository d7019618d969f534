// Issue 16 item 5, X3, S2: the phone field's country comes from Accept-Language (its region, or the
// likeliest one for a bare language) and the example under it is a number of that country, which
// can be typed as shown.
import assert from 'node:assert/strict';
import { Browser, type Page, textOf } from '../support/browser.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import {
  chooseSms,
  isSmsCodePage,
  PASSWORD,
  type SmsTestServer,
  sendTo,
  startSmsServer,
} from '../support/sms.ts';

const selectedCountry = (page: Page) => /<option value="([A-Z]*)" selected>/.exec(page.text)?.[1];
const hint = (page: Page) => textOf(/<p class="sub" id="phone-hint">([^<]*)<\/p>/.exec(page.text)?.[1] ?? '');

describe('X3, issue 16 item 5: SMS country and example number from Accept-Language', function () {
  this.timeout(60_000);
  let server: SmsTestServer;
  let rp: RelyingParty;
  let users = 0;

  before(async () => {
    server = await startSmsServer('embedded', { env: { SMS_MAX_SENDS_PER_IP: '1000' } });
    rp = await RelyingParty.discover(server.issuer);
  });
  after(() => server?.stop());

  async function phonePage(acceptLanguage: string) {
    const email = `country${++users}@example.test`;
    await server.createUser(email, PASSWORD, { plan: 'paid' });
    const browser = new Browser();
    browser.acceptLanguage = acceptLanguage;
    const page = await submitPassword(browser, await open(browser, await rp.authorize()), email, PASSWORD);
    return { browser, page: await chooseSms(browser, page) };
  }

  for (const [acceptLanguage, country, example] of [
    ['en', 'US', '(201) 555-0123'],
    ['en-US,en;q=0.9', 'US', '(201) 555-0123'],
    ['en-GB,en;q=0.8', 'GB', '07400 123456'],
    ['ja', 'JP', '090-1234-5678'],
    ['ja-JP,ja;q=0.9,en;q=0.5', 'JP', '090-1234-5678'],
    ['de-DE', 'DE', '01512 3456789'],
  ] as const) {
    it(`X3, item 5: Accept-Language "${acceptLanguage}" selects ${country} and the example ${example} is accepted as typed`, async () => {
      const { browser, page } = await phonePage(acceptLanguage);
      assert.equal(selectedCountry(page), country, textOf(page.text).slice(0, 400));
      assert.ok(hint(page).includes(example), `hint: ${hint(page)}`);
      const sent = await sendTo(browser, page, example, country);
      assert.ok(isSmsCodePage(sent), `${sent.status}: ${textOf(sent.text).slice(0, 300)}`);
    });
  }

  it('S2, item 5: a blocked region (zh-CN) starts at the next language, else at international format', async () => {
    const next = await phonePage('zh-CN,en-GB;q=0.5');
    assert.equal(selectedCountry(next.page), 'GB');
    const only = await phonePage('ru-RU');
    assert.equal(selectedCountry(only.page), 'US', 'the page language (en) decides');
    const garbage = await phonePage('!!,x-;q=abc');
    assert.equal(garbage.page.status, 200);
    assert.equal(selectedCountry(garbage.page), 'US');
  });
});
