import { startTossSandbox, type TossSandbox } from '../../toss-sandbox';
import { API_KEYS, approvedPayment, authorize, call, cancel, confirm, lookup } from './helpers';

const key = (value: string): Record<string, string> => ({ 'Idempotency-Key': value });

describe('toss sandbox: Idempotency-Key', () => {
  let sandbox: TossSandbox;

  beforeAll(async () => {
    sandbox = await startTossSandbox();
  });
  afterEach(() => sandbox.clearFaults());
  afterAll(() => sandbox.close());

  it('replays the first response byte for byte and does not run the confirm again', async () => {
    const auth = await authorize(sandbox);
    const first = await confirm(sandbox, auth, { headers: key(`confirm:${auth.orderId}`) });
    const second = await confirm(sandbox, auth, { headers: key(`confirm:${auth.orderId}`) });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    // Without the key, the same confirm is a second operation.
    expect((await confirm(sandbox, auth)).body.code).toBe('ALREADY_PROCESSED_PAYMENT');
  });

  it("ignores the body: reusing a key for another payment's confirm returns the first payment's response", async () => {
    const a = await authorize(sandbox);
    const b = await authorize(sandbox);
    const first = await confirm(sandbox, a, { headers: key('fixed-key') });
    const second = await confirm(sandbox, b, { headers: key('fixed-key') });
    expect(second.text).toBe(first.text);
    expect(second.body.paymentKey).toBe(a.paymentKey);
    expect((await lookup(sandbox, b.paymentKey)).body.status).toBe('IN_PROGRESS');
  });

  it('keys on secret key and path as well', async () => {
    const a = await authorize(sandbox);
    const b = await authorize(sandbox, { clientKey: API_KEYS.clientKey });
    expect((await confirm(sandbox, a, { headers: key('shared') })).status).toBe(200);
    const otherMerchant = await confirm(sandbox, b, { headers: key('shared'), secretKey: API_KEYS.secretKey });
    expect([otherMerchant.status, otherMerchant.body.paymentKey]).toEqual([200, b.paymentKey]);
    const otherPath = await cancel(sandbox, a.paymentKey, { cancelReason: 'x' }, { headers: key('shared') });
    expect([otherPath.status, otherPath.body.status]).toEqual([200, 'CANCELED']);
  });

  it('replays error responses too', async () => {
    const auth = await authorize(sandbox);
    const first = await confirm(sandbox, { ...auth, amount: auth.amount + 1 }, { headers: key('err-1') });
    expect([first.status, first.body.code]).toEqual([400, 'INVALID_REQUEST']);
    const replay = await confirm(sandbox, auth, { headers: key('err-1') });
    expect([replay.status, replay.text]).toEqual([400, first.text]);
    expect((await confirm(sandbox, auth, { headers: key('err-2') })).status).toBe(200);
  });

  it('does not store 5xx answers: a retry with the same key runs the operation', async () => {
    const auth = await authorize(sandbox);
    const failed = await confirm(sandbox, auth, {
      headers: { ...key('retry-5xx'), 'TossPayments-Test-Code': 'FAILED_INTERNAL_SYSTEM_PROCESSING' },
    });
    expect(failed.status).toBe(500);
    expect((await confirm(sandbox, auth, { headers: key('retry-5xx') })).status).toBe(200);
  });

  it('answers 400 INVALID_IDEMPOTENCY_KEY above 300 characters', async () => {
    const auth = await authorize(sandbox);
    const tooLong = await confirm(sandbox, auth, { headers: key('k'.repeat(301)) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toEqual({ code: 'INVALID_IDEMPOTENCY_KEY', message: '멱등키는 300자 이하여야 합니다.' });
    expect((await confirm(sandbox, auth, { headers: key('k'.repeat(300)) })).status).toBe(200);
  });

  it('ignores the header on GET', async () => {
    const done = await approvedPayment(sandbox);
    expect((await lookup(sandbox, done.paymentKey, { headers: key('k'.repeat(400)) })).status).toBe(200);
  });

  it('answers 409 IDEMPOTENT_REQUEST_PROCESSING while the first request is in flight', async () => {
    const auth = await authorize(sandbox);
    sandbox.addFault({ endpoint: 'confirm', mode: 'delay', ms: 300 });
    const both = await Promise.all([
      confirm(sandbox, auth, { headers: key(`confirm:${auth.orderId}`) }),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => confirm(sandbox, auth, { headers: key(`confirm:${auth.orderId}`) })),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const conflict = both.find((r) => r.status === 409);
    expect(conflict?.body).toEqual({ code: 'IDEMPOTENT_REQUEST_PROCESSING', message: '이전 멱등 요청이 처리중입니다.' });
    const replay = await confirm(sandbox, auth, { headers: key(`confirm:${auth.orderId}`) });
    expect(replay.text).toBe(both.find((r) => r.status === 200)?.text);
  });

  it('replays a cancel, so a retried refund is not taken twice', async () => {
    const done = await approvedPayment(sandbox, 10000);
    const body = { cancelReason: '부분 환불', cancelAmount: 3000 };
    const first = await cancel(sandbox, done.paymentKey, body, { headers: key('cancel:r1') });
    const second = await cancel(sandbox, done.paymentKey, body, { headers: key('cancel:r1') });
    expect(second.text).toBe(first.text);
    expect((await lookup(sandbox, done.paymentKey)).body.balanceAmount).toBe(7000);
  });

  it('forgets keys after 15 days', async () => {
    const auth = await authorize(sandbox);
    await confirm(sandbox, auth, { headers: key('long-lived') });
    sandbox.advanceClock(14 * 24 * 3600 * 1000);
    expect((await confirm(sandbox, auth, { headers: key('long-lived') })).status).toBe(200);
    sandbox.advanceClock(24 * 3600 * 1000 + 1000);
    expect((await confirm(sandbox, auth, { headers: key('long-lived') })).body.code).toBe('ALREADY_PROCESSED_PAYMENT');
  });

  it('stores nothing for requests refused by authentication', async () => {
    const auth = await authorize(sandbox);
    expect(
      (await call(sandbox, 'POST', '/v1/payments/confirm', { secretKey: 'test_gsk_nope', body: auth, headers: key('auth-first') })).status,
    ).toBe(401);
    expect((await confirm(sandbox, auth, { headers: key('auth-first') })).status).toBe(200);
  });
});
