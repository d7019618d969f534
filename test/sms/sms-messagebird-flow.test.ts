// S5 end to end: the server configured for MessageBird (SMS_PROVIDER=messagebird), the API
// intercepted with nock. A provider failure shows a clear message and creates no factor; a send
// that goes through carries the code, the recipient and a short code of the pool.
import assert from 'node:assert/strict';
import { Browser, textOf } from '../support/browser.ts';
import { isEnrollment } from '../support/mfa.ts';
import { nock, useNock } from '../support/nock.ts';
import { open, RelyingParty, submitPassword } from '../support/rp.ts';
import { STORE_MODES } from '../support/server.ts';
import {
  bareCode,
  chooseSms,
  confirmEnrollment,
  isSmsCodePage,
  isSmsPhonePage,
  jpMobile,
  ORIGINATORS,
  PASSWORD,
  type SmsTestServer,
  sendTo,
  startSmsServer,
} from '../support/sms.ts';

const API = 'https://rest.messagebird.com';
const ACCESS_KEY = 'test_fake_access_key_0123456789';

interface SentMessage {
  originator: string;
  recipients: string | string[];
  body: string;
}

for (const mode of STORE_MODES) {
  describe(`SMS through MessageBird (${mode} stores)`, function () {
    this.timeout(60_000);
    let server: SmsTestServer;
    let rp: RelyingParty;

    // The test's own traffic (the server, the relying party) stays local and real.
    useNock({ allowLocal: true });
    before(async () => {
      server = await startSmsServer(mode, {
        env: {
          SMS_PROVIDER: 'messagebird',
          SMS_MESSAGEBIRD_ACCESS_KEY: ACCESS_KEY,
          SMS_TIMEOUT_MS: '2000',
        },
      });
      rp = await RelyingParty.discover(server.issuer);
    });
    after(() => server?.stop());

    it('S5: a MessageBird error shows "could not be sent" and creates no factor; the retry goes through with the code', async () => {
      const userId = await server.createUser('mb@example.test', PASSWORD, { plan: 'paid' });
      const phone = jpMobile(mode === 'real' ? 8101 : 8001);
      const browser = new Browser();
      const auth = await rp.authorize();
      const page = await submitPassword(browser, await open(browser, auth), 'mb@example.test', PASSWORD);
      assert.ok(isEnrollment(page));
      const phonePage = await chooseSms(browser, page);

      const failing = nock(API)
        .post('/messages')
        .reply(500, { errors: [{ code: 25, description: 'internal failure', parameter: null }] });
      const failed = await sendTo(browser, phonePage, phone.national);
      assert.ok(failing.isDone(), 'MessageBird was called');
      assert.equal(failed.status, 503);
      assert.ok(
        textOf(failed.text).includes('The text message could not be sent. Check the number and try again'),
      );
      assert.ok(isSmsPhonePage(failed), 'the number can be sent again');
      assert.match(failed.text, new RegExp(`value="${phone.national}"`), 'as typed');
      assert.equal((await server.services.sor.listFactors(userId)).length, 0, 'S5: no factor');
      const logs = server.logs();
      assert.match(logs, /"msg":"sms send failed"/);
      assert.match(logs, /"kind":"unavailable"/);
      assert.match(logs, /"statusCode":500/);

      let sent: SentMessage | undefined;
      const accepting = nock(API, { reqheaders: { authorization: `AccessKey ${ACCESS_KEY}` } })
        .post('/messages', (body: SentMessage) => {
          sent = body;
          return true;
        })
        .reply(201, { id: 'mb-e2e-1', href: `${API}/messages/mb-e2e-1`, direction: 'mt' });
      const codePage = await sendTo(browser, failed, phone.national);
      assert.ok(accepting.isDone());
      assert.ok(isSmsCodePage(codePage), textOf(codePage.text).slice(0, 300));
      assert.ok(sent);
      assert.ok(ORIGINATORS.includes(sent.originator), 'S3: an originator of the pool');
      const recipients = Array.isArray(sent.recipients)
        ? sent.recipients
        : String(sent.recipients).split(',');
      assert.deepEqual(
        recipients.map((r) => String(r).replace(/^\+/, '')),
        [phone.e164.slice(1)],
      );
      const code = /\b(\d{6})\b/.exec(sent.body)?.[1];
      assert.ok(code, 'the body carries the code');
      assert.ok(sent.body.includes('Deadbolt'));

      const done = await confirmEnrollment(browser, codePage, code);
      assert.equal(done.status, 0, textOf(done.text).slice(0, 300));
      assert.deepEqual((await rp.callback(done.url, auth)).claims()?.amr, ['pwd', 'sms', 'mfa']);
      const factors = await server.services.sor.listFactors(userId);
      assert.deepEqual(
        factors.map((f) => [f.type, f.data.phone]),
        [['sms', phone.e164]],
      );
      assert.ok(!bareCode(code).test(server.logs()), 'the code is in no log line');
      assert.ok(!server.logs().includes(ACCESS_KEY), 'nor the access key');
    });
  });
}
