import { startTossSandbox, type Payment, type TossSandbox } from '../../toss-sandbox';
import { approvedPayment, authorize, call, cancel, confirm, lookup, startWebhookReceiver, type WebhookReceiver } from './helpers';

/**
 * Partial cancels (issue #16) over HTTP, beyond what cancel.test.ts and idempotency.test.ts prove:
 * the ledger as a client that sends `refundableAmount` every time sees it, replays by key, and the
 * cancel endpoint's faults for a partial cancel.
 */
describe('toss sandbox: partial cancels', () => {
  let sandbox: TossSandbox;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sandbox = await startTossSandbox({ webhookUrl: receiver.url, webhookRetryDelaysMs: [20] });
  });
  afterEach(() => sandbox.clearFaults());
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });

  const key = (value: string) => ({ headers: { 'Idempotency-Key': value } });
  const refunded = (p: Payment) => (p.cancels ?? []).reduce((sum, c) => sum + c.cancelAmount, 0);
  /** Webhook deliveries received for one payment, as [status, balance]. */
  async function hooksOf(paymentKey: string) {
    await sandbox.waitForWebhooks();
    return receiver.received
      .filter((h) => h.body.data.paymentKey === paymentKey)
      .map((h) => [h.body.data.status, h.body.data.balanceAmount]);
  }

  it('a card payment with a tax-exempt part is not partially cancelable: NOT_ALLOWED_PARTIAL_REFUND, and a full cancel still works', async () => {
    const auth = await authorize(sandbox, { amount: 20000, taxExemptionAmount: 500 });
    const done = (await confirm(sandbox, auth)).body;
    expect(done).toMatchObject({ status: 'DONE', isPartialCancelable: false, taxExemptionAmount: 500 });
    const partial = await cancel(sandbox, done.paymentKey, { cancelReason: '부분 취소', cancelAmount: 5000 });
    expect([partial.status, partial.body.code]).toEqual([403, 'NOT_ALLOWED_PARTIAL_REFUND']);
    expect((await lookup(sandbox, done.paymentKey)).body).toMatchObject({ status: 'DONE', balanceAmount: 20000, cancels: null });
    const full = await cancel(sandbox, done.paymentKey, { cancelReason: '전액 취소' });
    expect(full.body).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
  });

  it('refuses a tax-exempt part that is not a whole number of won within the amount (INVALID_REQUEST)', async () => {
    await expect(authorize(sandbox, { amount: 1000, taxExemptionAmount: 1001 })).rejects.toThrow(/400/);
    await expect(authorize(sandbox, { amount: 1000, taxExemptionAmount: -1 })).rejects.toThrow(/400/);
  });

  it('keeps the ledger through several partial cancels: each entry leaves refundableAmount, lookups agree, CANCELED at zero', async () => {
    const done = await approvedPayment(sandbox, 41000);
    expect(done).toMatchObject({ isPartialCancelable: true, balanceAmount: 41000, cancels: null });
    let balance = 41000;
    const amounts = [12000, 10000, 5000, 14000];
    for (const [i, amount] of amounts.entries()) {
      const res = await cancel(sandbox, done.paymentKey, {
        cancelReason: `부분 취소 ${i + 1}`,
        cancelAmount: amount,
        refundableAmount: balance,
      });
      expect(res.status).toBe(200);
      balance -= amount;
      const p = res.body;
      expect(p).toMatchObject({ status: balance === 0 ? 'CANCELED' : 'PARTIAL_CANCELED', totalAmount: 41000, balanceAmount: balance });
      expect(p.cancels).toHaveLength(i + 1);
      expect(p.cancels!.at(-1)).toMatchObject({ cancelAmount: amount, refundableAmount: balance, cancelReason: `부분 취소 ${i + 1}` });
      expect(refunded(p) + p.balanceAmount).toBe(41000);
      expect(p.lastTransactionKey).toBe(p.cancels!.at(-1)!.transactionKey);
      expect(p.card?.acquireStatus).toBe(balance === 0 ? 'CANCELED' : 'READY');
      expect((await lookup(sandbox, done.paymentKey)).body).toEqual(p);
    }
    const last = (await lookup(sandbox, done.paymentKey)).body;
    expect(last.cancels!.map((c) => c.refundableAmount)).toEqual([29000, 19000, 14000, 0]);
    expect(new Set(last.cancels!.map((c) => c.transactionKey)).size).toBe(4);
    // One PAYMENT_STATUS_CHANGED per cancel, each with the balance it left.
    expect(await hooksOf(done.paymentKey)).toEqual([
      ['DONE', 41000],
      ['PARTIAL_CANCELED', 29000],
      ['PARTIAL_CANCELED', 19000],
      ['PARTIAL_CANCELED', 14000],
      ['CANCELED', 0],
    ]);
    // Once at zero, nothing more can be cancelled, partially or in full.
    for (const body of [{ cancelReason: 'x', cancelAmount: 1 }, { cancelReason: 'x' }]) {
      const again = await cancel(sandbox, done.paymentKey, body);
      expect([again.status, again.body.code]).toEqual([400, 'ALREADY_CANCELED_PAYMENT']);
    }
  });

  it('refuses NOT_CANCELABLE_AMOUNT one won past the balance after several partial cancels, and changes nothing; the exact balance goes', async () => {
    const done = await approvedPayment(sandbox, 20000);
    await cancel(sandbox, done.paymentKey, { cancelReason: 'x', cancelAmount: 7000 });
    await cancel(sandbox, done.paymentKey, { cancelReason: 'x', cancelAmount: 6000 });
    const before = (await lookup(sandbox, done.paymentKey)).body;
    const over = await cancel(sandbox, done.paymentKey, { cancelReason: 'x', cancelAmount: 7001, refundableAmount: 7000 });
    expect([over.status, over.body.code]).toEqual([403, 'NOT_CANCELABLE_AMOUNT']);
    expect((await lookup(sandbox, done.paymentKey)).body).toEqual(before);
    const exact = await cancel(sandbox, done.paymentKey, { cancelReason: 'x', cancelAmount: 7000, refundableAmount: 7000 });
    expect(exact.body).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
  });

  it('replays a partial cancel by its key: the first answer, byte for byte, even after later cancels and with another body; refunded once', async () => {
    const done = await approvedPayment(sandbox, 30000);
    const body = { cancelReason: '부분 환불', cancelAmount: 4000, refundableAmount: 30000 };
    const first = await cancel(sandbox, done.paymentKey, body, key('cancel-ORDER-1'));
    expect(first.body.balanceAmount).toBe(26000);
    expect((await cancel(sandbox, done.paymentKey, body, key('cancel-ORDER-1'))).text).toBe(first.text);
    // A later cancel under its own key, then the first key again (with a different body): still the first answer.
    await cancel(sandbox, done.paymentKey, { cancelReason: '둘째', cancelAmount: 1000, refundableAmount: 26000 }, key('cancel-ORDER-2'));
    const replay = await cancel(sandbox, done.paymentKey, { cancelReason: 'other', cancelAmount: 9000 }, key('cancel-ORDER-1'));
    expect(replay.text).toBe(first.text);
    const now = (await lookup(sandbox, done.paymentKey)).body;
    expect(now.cancels!.map((c) => c.cancelAmount)).toEqual([4000, 1000]);
    expect(now.balanceAmount).toBe(25000);
    // The same body again under a new key is a new refund request: its refundableAmount is stale now, so Toss refuses it.
    const repeat = await cancel(sandbox, done.paymentKey, body, key('cancel-ORDER-3'));
    expect([repeat.status, repeat.body.code]).toEqual([400, 'NOT_MATCHES_REFUNDABLE_AMOUNT']);
    // A refusal is stored under its key like any 4xx: the same key answers it again, even though the request would now pass.
    const refusedKey = key('cancel-ORDER-4');
    const wrong = await cancel(sandbox, done.paymentKey, { cancelReason: 'x', cancelAmount: 1000, refundableAmount: 1 }, refusedKey);
    const again = await cancel(sandbox, done.paymentKey, { cancelReason: 'x', cancelAmount: 1000, refundableAmount: 25000 }, refusedKey);
    expect([again.status, again.text]).toEqual([400, wrong.text]);
    expect((await lookup(sandbox, done.paymentKey)).body.balanceAmount).toBe(25000);
  });

  it('isPartialCancelable: every sandbox card payment is partially cancelable (no escrow or tax exemption can be made here)', async () => {
    // NOT_ALLOWED_PARTIAL_REFUND is implemented (payment-cancel.service.ts) but no payment the sandbox can make reaches it.
    const done = await approvedPayment(sandbox, 10000);
    expect(done).toMatchObject({ isPartialCancelable: true, useEscrow: false, taxExemptionAmount: 0 });
    expect((await cancel(sandbox, done.paymentKey, { cancelReason: 'x', cancelAmount: 100 })).body.status).toBe('PARTIAL_CANCELED');
  });

  describe('faults on a partial cancel', () => {
    const body = { cancelReason: '부분 환불', cancelAmount: 3000, refundableAmount: 10000 };

    it('delay: the refund waits, a second request under the same key meanwhile is 409, and it is refunded once', async () => {
      const done = await approvedPayment(sandbox, 10000);
      sandbox.addFault({ endpoint: 'cancel', mode: 'delay', ms: 300 });
      const slow = cancel(sandbox, done.paymentKey, body, key('k-delay'));
      while (sandbox.faults().length > 0) await new Promise((r) => setTimeout(r, 5));
      const meanwhile = await cancel(sandbox, done.paymentKey, body, key('k-delay'));
      expect([meanwhile.status, meanwhile.body.code]).toEqual([409, 'IDEMPOTENT_REQUEST_PROCESSING']);
      const first = await slow;
      expect(first.body).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: 7000 });
      expect((await cancel(sandbox, done.paymentKey, body, key('k-delay'))).text).toBe(first.text);
      expect((await lookup(sandbox, done.paymentKey)).body.cancels).toHaveLength(1);
    });

    it('drop-before: the connection dies before anything happens (no refund, no webhook); the retry under the key refunds once', async () => {
      const done = await approvedPayment(sandbox, 10000);
      sandbox.addFault({ endpoint: 'cancel', mode: 'drop-before' });
      await expect(cancel(sandbox, done.paymentKey, body, key('k-before'))).rejects.toThrow();
      expect((await lookup(sandbox, done.paymentKey)).body).toMatchObject({ status: 'DONE', balanceAmount: 10000, cancels: null });
      expect(await hooksOf(done.paymentKey)).toEqual([['DONE', 10000]]);
      const retry = await cancel(sandbox, done.paymentKey, body, key('k-before'));
      expect(retry.body).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: 7000 });
      expect(retry.body.cancels).toHaveLength(1);
    });

    it('drop-after: the refund lands (lookup and webhook show it) but the reply is lost; the key replays it; without the key, refundableAmount refuses a repeat', async () => {
      const done = await approvedPayment(sandbox, 10000);
      sandbox.addFault({ endpoint: 'cancel', mode: 'drop-after' });
      await expect(cancel(sandbox, done.paymentKey, body, key('k-after'))).rejects.toThrow();
      const seen = (await lookup(sandbox, done.paymentKey)).body;
      expect(seen).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: 7000 });
      expect(seen.cancels).toEqual([expect.objectContaining({ cancelAmount: 3000, refundableAmount: 7000 })]);
      expect(await hooksOf(done.paymentKey)).toEqual([
        ['DONE', 10000],
        ['PARTIAL_CANCELED', 7000],
      ]);
      const retry = await cancel(sandbox, done.paymentKey, body, key('k-after'));
      expect([retry.status, retry.body]).toEqual([200, seen]);
      const unkeyed = await cancel(sandbox, done.paymentKey, body);
      expect([unkeyed.status, unkeyed.body.code]).toEqual([400, 'NOT_MATCHES_REFUNDABLE_AMOUNT']);
      expect((await lookup(sandbox, done.paymentKey)).body.cancels).toHaveLength(1);
    });

    it('error5xx: 500 and nothing refunded; the answer is not stored, so the retry under the same key refunds once', async () => {
      const done = await approvedPayment(sandbox, 10000);
      sandbox.addFault({ endpoint: 'cancel', mode: 'error5xx', times: 2 });
      for (let i = 0; i < 2; i++) {
        const failed = await cancel(sandbox, done.paymentKey, body, key('k-5xx'));
        expect([failed.status, failed.body.code]).toEqual([500, 'FAILED_INTERNAL_SYSTEM_PROCESSING']);
        expect((await lookup(sandbox, done.paymentKey)).body.balanceAmount).toBe(10000);
      }
      const retry = await cancel(sandbox, done.paymentKey, body, key('k-5xx'));
      expect(retry.body).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: 7000 });
      expect((await call<Payment>(sandbox, 'GET', `/v1/payments/${done.paymentKey}`)).body.cancels).toHaveLength(1);
    });
  });
});
