// S3/S5: the MessageBird adapter, against nock (nothing leaves the machine).
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { createMessageBirdSender } from '../../src/sms/messagebird.ts';
import { pickOriginator, SmsSendError, type SmsSendErrorKind, type SmsSender } from '../../src/sms/sender.ts';
import { nock, useNock } from '../support/nock.ts';

const HOST = 'https://rest.messagebird.com';
const KEY = 'test_AccessKey_123';
const POOL = ['11111', '22222', '33333'];
const TO = '+819012345678';
const BODY = 'Deadbolt code: 482913';
const CODE = '482913';

interface SentBody {
  originator: string;
  recipients: string | string[];
  body: string;
}

function isSentBody(value: unknown): value is SentBody {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.originator === 'string' && typeof v.body === 'string' && v.recipients !== undefined;
}

/** The recipients as a list: the SDK joins the array into a comma-separated string. */
function recipientsOf(body: SentBody): string[] {
  return Array.isArray(body.recipients) ? body.recipients.map(String) : String(body.recipients).split(',');
}

/** A random source that returns the given values in turn. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

function sender(opts: { timeoutMs?: number; random?: () => number } = {}): SmsSender {
  return createMessageBirdSender({
    accessKey: KEY,
    originators: POOL,
    timeoutMs: opts.timeoutMs ?? 2000,
    random: opts.random,
  });
}

function api(): nock.Scope {
  return nock(HOST, { reqheaders: { authorization: `AccessKey ${KEY}` } });
}

/** Sends, expects an SmsSendError of `kind`, and checks the body/code leaks nowhere. */
async function expectFailure(s: SmsSender, kind: SmsSendErrorKind): Promise<SmsSendError> {
  const err = await s.send({ to: TO, body: BODY }).then(
    () => assert.fail('send should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SmsSendError, `expected SmsSendError, got ${inspect(err)}`);
  assert.equal(err.kind, kind);
  assert.equal(err.provider, 'messagebird');
  for (const text of [
    err.message,
    String(err),
    err.stack ?? '',
    inspect(err, { depth: 5 }),
    JSON.stringify(err),
  ]) {
    assert.ok(!text.includes(CODE), `error text leaks the code: ${text}`);
    assert.ok(!text.includes(BODY), `error text leaks the body: ${text}`);
  }
  return err;
}

describe('S3/S5 MessageBird SMS sender', () => {
  useNock();
  afterEach(() => nock.abortPendingRequests());

  it('S3: POSTs /messages with the access key, a pool originator, the recipient and the body; returns the id', async () => {
    let sent: SentBody | undefined;
    const scope = api()
      .post('/messages', (body: unknown) => {
        if (!isSentBody(body)) return false;
        sent = body;
        return true;
      })
      .reply(201, { id: 'mb-0001', href: `${HOST}/messages/mb-0001`, direction: 'mt' });

    const result = await sender({ random: () => 0.5 }).send({ to: TO, body: BODY });

    assert.ok(scope.isDone());
    assert.ok(sent);
    assert.equal(result.providerMessageId, 'mb-0001');
    assert.equal(result.originator, '22222');
    assert.equal(sent.originator, result.originator);
    assert.deepEqual(recipientsOf(sent), [TO]);
    assert.equal(sent.body, BODY);
    assert.ok(nock.isDone());
  });

  it('S3: over many sends the originator comes from the pool and varies', async () => {
    const randoms = [0, 0.4, 0.99, 0.7, 0.1, 0.5];
    const originators: string[] = [];
    const scope = api()
      .post('/messages', (body: unknown) => {
        if (!isSentBody(body)) return false;
        originators.push(body.originator);
        return true;
      })
      .times(randoms.length)
      .reply(201, { id: 'mb-many' });

    const s = sender({ random: sequence(...randoms) });
    const results = [];
    for (let i = 0; i < randoms.length; i++) results.push(await s.send({ to: TO, body: BODY }));

    assert.ok(scope.isDone());
    assert.deepEqual(originators, ['11111', '22222', '33333', '33333', '11111', '22222']);
    assert.deepEqual(
      results.map((r) => r.originator),
      originators,
    );
    assert.ok(originators.every((o) => POOL.includes(o)));
    assert.equal(new Set(originators).size, POOL.length);
  });

  it('S3: the default random pick stays in the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) seen.add(pickOriginator(POOL));
    assert.deepEqual([...seen].sort(), POOL);
    assert.equal(
      pickOriginator(POOL, () => 0.9999999),
      '33333',
    );
    assert.equal(
      pickOriginator(POOL, () => 1),
      '33333',
    );
    assert.equal(
      pickOriginator(POOL, () => Number.NaN),
      '11111',
    );
    assert.throws(() => pickOriginator([]), /empty/);
  });

  it('S5: a 422 reply is a "rejected" error without the body', async () => {
    const scope = api()
      .post('/messages')
      .reply(422, {
        errors: [{ code: 9, description: 'no (correct) recipients found', parameter: 'recipients' }],
      });
    const err = await expectFailure(sender(), 'rejected');
    assert.equal(err.statusCode, 422);
    assert.deepEqual(err.providerErrorCodes, [9]);
    assert.ok(!err.message.includes('recipients found'), 'the provider text is not passed through');
    assert.ok(scope.isDone());
  });

  it('S5: a 401 reply (bad access key) is "rejected"', async () => {
    const scope = api()
      .post('/messages')
      .reply(401, { errors: [{ code: 2, description: 'Request not allowed (incorrect access_key)' }] });
    const err = await expectFailure(sender(), 'rejected');
    assert.equal(err.statusCode, 401);
    assert.ok(scope.isDone());
  });

  it('S5: a 500 reply is "unavailable"', async () => {
    const scope = api()
      .post('/messages')
      .reply(500, { errors: [{ code: 99, description: 'internal error' }] });
    const err = await expectFailure(sender(), 'unavailable');
    assert.equal(err.statusCode, 500);
    assert.ok(scope.isDone());
  });

  it('S5: a 5xx the SDK would take for success (no errors array, or not JSON) is "unavailable"', async () => {
    const scope = api()
      .post('/messages')
      .reply(500, { message: 'oops' })
      .post('/messages')
      .reply(503, '<html>Service Unavailable</html>', { 'content-type': 'text/html' });
    await expectFailure(sender(), 'unavailable');
    const err = await expectFailure(sender(), 'unavailable');
    assert.equal(err.statusCode, 503);
    assert.ok(scope.isDone());
  });

  it('S5: a network failure is "unavailable"', async () => {
    // nock 15: pass an Error; a plain `{ code, message }` object never fails the request (it hangs).
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const scope = api().post('/messages').replyWithError(refused);
    const err = await expectFailure(sender(), 'unavailable');
    assert.equal(err.statusCode, undefined);
    assert.equal(err.networkCode, 'ECONNREFUSED');
    assert.ok(scope.isDone());
  });

  it('S5: a reply slower than timeoutMs is "timeout", raised at the deadline', async () => {
    const scope = api().post('/messages').delay(2000).reply(201, { id: 'too-late' });
    const started = Date.now();
    await expectFailure(sender({ timeoutMs: 150 }), 'timeout');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 140 && elapsed < 1000, `timed out after ${elapsed} ms`);
    assert.ok(scope.isDone());
  });

  it('S5: refuses a bad configuration up front', () => {
    assert.throws(
      () => createMessageBirdSender({ accessKey: '', originators: POOL, timeoutMs: 1000 }),
      /key/,
    );
    assert.throws(
      () => createMessageBirdSender({ accessKey: KEY, originators: [], timeoutMs: 1000 }),
      /empty/,
    );
    assert.throws(
      () => createMessageBirdSender({ accessKey: KEY, originators: ['not a short code!'], timeoutMs: 1000 }),
      /originator/,
    );
    assert.throws(
      () => createMessageBirdSender({ accessKey: KEY, originators: POOL, timeoutMs: 0 }),
      /timeoutMs/,
    );
  });
});
