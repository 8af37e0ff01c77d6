import { OrderFlagDocument, UpdateOrderStatusDocument } from '../generated/graphql';
import { codeOf } from '../helpers/graphql-client';
import {
  cancellationsOf,
  cancelItems,
  cancelWhole,
  eventKindsOf,
  expectConsistent,
  partialOrder,
  snapshot,
  threeLineOrder,
  tossPaymentOf,
  TOTAL,
  type ThreeLineOrder,
  withoutWebhooks,
} from '../helpers/partial-refunds';
import { ship, startShippingWorld, type ShippingWorld } from '../helpers/shipping';
import { merchantCancel } from '../helpers/toss';

/** Issue #16: partial refunds when Toss refuses, cannot say, or reports what we did not do. */
let w: ShippingWorld;
beforeAll(async () => {
  // Toss may take 8 s before we give up, so a slow refund (below) stays under way long enough to be looked at.
  w = await startShippingWorld({ TOSS_TIMEOUT_MS: '8000' });
}, 60_000);
afterAll(() => w?.close());
afterEach(() => w.toss.clearFaults());

const LATER = () => new Date(Date.now() + 10 * 60_000);
const byCustomer = (orderId: string, items: Array<{ itemId: string; quantity: number }>) =>
  cancelItems(w.t.client, w.customer.token, orderId, items);
const flagOf = async (orderId: string) => (await w.t.client.ok(OrderFlagDocument, { orderId }, { token: w.admin.token })).order!;
const tossCancels = (orderId: string) => tossPaymentOf(w.toss, orderId)!.cancels?.map((c) => c.cancelAmount) ?? [];
const cancelledUnits = (order: { items: Array<{ id: string; cancelledQuantity: number }> }, o: ThreeLineOrder) =>
  [o.a1, o.a2, o.b1].map((l) => order.items.find((i) => i.id === l.id)!.cancelledQuantity);
const count = (kinds: string[], kind: string) => kinds.filter((k) => k === kind).length;

/** The claim is back: the order ships again (seller A's lines). */
async function expectShippable(o: ThreeLineOrder) {
  expect((await partialOrder(w.t.client, w.admin.token, o.orderId)).refundPending).toBe(false);
  expect((await ship(w.t.client, w.sellerA.token, o.orderId, [o.a1.id])).errors).toBeUndefined();
}

/** While the claim is held: no shipment, no other refund, partial or full. */
async function expectClaimHeld(o: ThreeLineOrder) {
  expect((await partialOrder(w.t.client, w.admin.token, o.orderId)).refundPending).toBe(true);
  expect(codeOf(await ship(w.t.client, w.sellerB.token, o.orderId, [o.b1.id]))).toBe('CONFLICT');
  const byAdmin = await w.t.client.request(UpdateOrderStatusDocument, { orderId: o.orderId, status: 'SHIPPING' }, { token: w.admin.token });
  expect(codeOf(byAdmin)).toBe('CONFLICT');
  const other = await byCustomer(o.orderId, [{ itemId: o.b1.id, quantity: 1 }]);
  expect({ code: codeOf(other), field: other.errors?.[0]?.extensions?.field }).toEqual({ code: 'CONFLICT', field: 'orderId' });
  expect(codeOf(await cancelWhole(w.t.client, w.customer.token, o.orderId))).toBe('CONFLICT');
}

describe('Toss refuses', () => {
  it.each([
    ['NOT_MATCHES_REFUNDABLE_AMOUNT (a console partial refund we have not heard of)', 1000],
    ['ALREADY_CANCELED_PAYMENT (a console full refund we have not heard of)', undefined],
  ])('%s: PAYMENT_FAILED, nothing changed here, the claim released', async (_name, consoleAmount) => {
    const o = await threeLineOrder(w);
    await withoutWebhooks(w, async () => {
      await merchantCancel(w.toss, o.paymentKey, consoleAmount);
      const before = await snapshot(w, o);
      const res = await byCustomer(o.orderId, [{ itemId: o.a2.id, quantity: 2 }]);
      expect(codeOf(res)).toBe('PAYMENT_FAILED');
      expect(res.errors![0].extensions!.tossCode).toBe(consoleAmount ? 'NOT_MATCHES_REFUNDABLE_AMOUNT' : 'ALREADY_CANCELED_PAYMENT');
      expect(await snapshot(w, o)).toEqual(before);
      expect(tossCancels(o.orderId)).toEqual([consoleAmount ?? TOTAL]);
      expect((await cancellationsOf(w, o.orderId)).map((c) => c.status)).toEqual(['FAILED']);
    });
    if (consoleAmount) await expectShippable(o);
  });
});

describe('Toss cannot say', () => {
  it('a refund slower than usual holds the claim meanwhile (no shipment, no other refund), then completes', async () => {
    const o = await threeLineOrder(w);
    w.toss.addFault({ endpoint: 'cancel', mode: 'delay', ms: 5000 });
    const cancelling = byCustomer(o.orderId, [{ itemId: o.a2.id, quantity: 1 }]);
    while (w.toss.faults().length > 0) await new Promise((r) => setTimeout(r, 20)); // Toss has the request
    await expectClaimHeld(o);
    expect((await cancelling).errors).toBeUndefined();
    expect(tossCancels(o.orderId)).toEqual([5000]);
    await expectConsistent(w, o);
    await expectShippable(o);
  });

  it.each([
    ['once: the retry with the same Idempotency-Key gets the replay', 1],
    ['on every attempt (two): the lookup at once finds the refund', 2],
  ])('a lost reply %s; the call succeeds and Toss refunded once', async (_name, times) => {
    const o = await threeLineOrder(w);
    // Webhooks off: the request alone settles it.
    const res = await withoutWebhooks(w, () => {
      w.toss.addFault({ endpoint: 'cancel', mode: 'drop-after', times });
      return byCustomer(o.orderId, [{ itemId: o.a2.id, quantity: 2 }]);
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.cancelOrderItems).toMatchObject({
      refundPending: false,
      payment: { status: 'PARTIAL_CANCELED', balanceAmount: TOTAL - 10000 },
    });
    expect(tossCancels(o.orderId)).toEqual([10000]);
    expect(count(await eventKindsOf(w, o.orderId), 'ITEMS_CANCELLED')).toBe(1);
    expect((await flagOf(o.orderId)).flaggedAt).toBeNull();
    await expectConsistent(w, o);
  });

  it('the reply and the lookup both lost: SERVICE_UNAVAILABLE, the claim held, then the reconciler settles it once', async () => {
    const o = await threeLineOrder(w);
    await withoutWebhooks(w, async () => {
      w.toss.addFault({ endpoint: 'cancel', mode: 'drop-after', times: 3 });
      w.toss.addFault({ endpoint: 'lookup', mode: 'error5xx', times: 3 });
      const res = await byCustomer(o.orderId, [{ itemId: o.a2.id, quantity: 2 }]);
      expect(codeOf(res)).toBe('SERVICE_UNAVAILABLE');
      w.toss.clearFaults();
      // Toss refunded; nothing here says so yet, and nothing ships or refunds meanwhile.
      expect(tossCancels(o.orderId)).toEqual([10000]);
      const now = await partialOrder(w.t.client, w.customer.token, o.orderId);
      expect(cancelledUnits(now, o)).toEqual([0, 0, 0]);
      await expectClaimHeld(o);
      await w.t.app.payments.reconciler!.runOnce(LATER());
      await w.t.app.payments.reconciler!.runOnce(LATER());
    });
    const settled = await expectConsistent(w, o);
    expect(settled.items.find((i) => i.id === o.a2.id)!.cancelledQuantity).toBe(2);
    expect(tossCancels(o.orderId)).toEqual([10000]);
    expect(count(await eventKindsOf(w, o.orderId), 'ITEMS_CANCELLED')).toBe(1);
    expect((await cancellationsOf(w, o.orderId)).map((c) => c.status)).toEqual(['DONE']);
    expect((await flagOf(o.orderId)).flaggedAt).toBeNull();
    await expectShippable(o);
  });

  it('a cancel that never reached Toss: the reconciler fails it and releases the claim; nothing refunded; it can be asked again', async () => {
    const o = await threeLineOrder(w);
    const before = await snapshot(w, o);
    w.toss.addFault({ endpoint: 'cancel', mode: 'drop-before', times: 3 });
    w.toss.addFault({ endpoint: 'lookup', mode: 'error5xx', times: 3 });
    expect(codeOf(await byCustomer(o.orderId, [{ itemId: o.b1.id, quantity: 1 }]))).toBe('SERVICE_UNAVAILABLE');
    w.toss.clearFaults();
    await expectClaimHeld(o);
    await w.t.app.payments.reconciler!.runOnce(LATER());
    expect(await snapshot(w, o)).toEqual(before);
    expect(tossCancels(o.orderId)).toEqual([]);
    expect((await cancellationsOf(w, o.orderId)).map((c) => c.status)).toEqual(['FAILED']);
    // Asked again, it goes through under a new Idempotency-Key.
    expect((await byCustomer(o.orderId, [{ itemId: o.b1.id, quantity: 1 }])).errors).toBeUndefined();
    expect((await cancellationsOf(w, o.orderId)).map((c) => [c.status, c.idempotencyKey])).toEqual([
      ['FAILED', `cancel-${o.orderId}-1`],
      ['DONE', `cancel-${o.orderId}-2`],
    ]);
    await expectConsistent(w, o);
    await expectShippable(o);
  });
});

describe("Toss's webhook", () => {
  it('arriving while the request still waits on Toss settles it once, and flags nothing', async () => {
    const o = await threeLineOrder(w);
    // The reply is lost on every attempt: the webhook of the refund reaches the app while the request retries.
    w.toss.addFault({ endpoint: 'cancel', mode: 'drop-after', times: 3 });
    const res = await byCustomer(o.orderId, [{ itemId: o.a1.id, quantity: 1 }]);
    expect(res.errors).toBeUndefined();
    await w.toss.waitForWebhooks();
    expect(w.toss.webhookDeliveries().filter((d) => d.paymentKey === o.paymentKey && d.paymentStatus === 'PARTIAL_CANCELED')).toHaveLength(
      1,
    );
    expect(tossCancels(o.orderId)).toEqual([12000]);
    expect(count(await eventKindsOf(w, o.orderId), 'ITEMS_CANCELLED')).toBe(1);
    expect((await flagOf(o.orderId)).flaggedAt).toBeNull();
    await expectConsistent(w, o);
  });

  it('settling a request that could not tell: the lines are cancelled once; the reconciler then finds nothing to do', async () => {
    const o = await threeLineOrder(w);
    await withoutWebhooks(w, async () => {
      w.toss.addFault({ endpoint: 'cancel', mode: 'drop-after', times: 3 });
      w.toss.addFault({ endpoint: 'lookup', mode: 'error5xx', times: 3 });
      expect(codeOf(await byCustomer(o.orderId, [{ itemId: o.a2.id, quantity: 3 }]))).toBe('SERVICE_UNAVAILABLE');
      w.toss.clearFaults();
      // The delivery Toss made meanwhile, as it arrives (the app reads the payment back from Toss).
      const delivered = await w.t.app.payments.webhook!.handle({ eventType: 'PAYMENT_STATUS_CHANGED', data: { paymentKey: o.paymentKey } });
      expect(delivered.status).toBe(200);
    });
    expect((await partialOrder(w.t.client, w.admin.token, o.orderId)).refundPending).toBe(false);
    await w.t.app.payments.reconciler!.runOnce(LATER());
    const settled = await expectConsistent(w, o);
    expect(settled.items.find((i) => i.id === o.a2.id)).toMatchObject({ cancelledQuantity: 3, status: 'CANCELLED' });
    expect(count(await eventKindsOf(w, o.orderId), 'ITEMS_CANCELLED')).toBe(1);
    expect((await flagOf(o.orderId)).flaggedAt).toBeNull();
  });

  it("reporting the order's last lines refunded (CANCELED) before the request settles: the order is CANCELLED once, not flagged", async () => {
    const o = await threeLineOrder(w);
    expect((await byCustomer(o.orderId, [{ itemId: o.a1.id, quantity: 1 }])).errors).toBeUndefined();
    await withoutWebhooks(w, async () => {
      w.toss.addFault({ endpoint: 'cancel', mode: 'drop-after', times: 3 });
      w.toss.addFault({ endpoint: 'lookup', mode: 'error5xx', times: 3 });
      const rest = [
        { itemId: o.a2.id, quantity: 3 },
        { itemId: o.b1.id, quantity: 2 },
      ];
      expect(codeOf(await byCustomer(o.orderId, rest))).toBe('SERVICE_UNAVAILABLE');
      w.toss.clearFaults();
      await w.t.app.payments.webhook!.handle({ eventType: 'PAYMENT_STATUS_CHANGED', data: { paymentKey: o.paymentKey } });
    });
    await w.t.app.payments.reconciler!.runOnce(LATER());
    const settled = await expectConsistent(w, o);
    expect(settled).toMatchObject({ status: 'CANCELLED', refundPending: false, payment: { status: 'CANCELED', balanceAmount: 0 } });
    expect(tossCancels(o.orderId)).toEqual([12000, TOTAL - 12000]);
    const kinds = await eventKindsOf(w, o.orderId);
    expect([count(kinds, 'ITEMS_CANCELLED'), count(kinds, 'REFUNDED'), count(kinds, 'FLAGGED')]).toEqual([1, 1, 0]);
  });

  it('a partial refund made at the console (not ours) flags the order; ours before it did not', async () => {
    const o = await threeLineOrder(w);
    expect((await byCustomer(o.orderId, [{ itemId: o.b1.id, quantity: 1 }])).errors).toBeUndefined();
    await w.toss.waitForWebhooks();
    expect((await flagOf(o.orderId)).flaggedAt).toBeNull();
    await merchantCancel(w.toss, o.paymentKey, 3000);
    await w.toss.waitForWebhooks();
    const flagged = await flagOf(o.orderId);
    expect(flagged).toMatchObject({ status: 'ORDER_COMPLETED', flaggedAt: expect.any(String) });
    expect(flagged.flagReason).toMatch(/10000 of 41000 KRW refunded, 31000 KRW still charged/);
    const now = await partialOrder(w.t.client, w.customer.token, o.orderId);
    expect(now.payment).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: TOTAL - 10000 });
    expect(now.payment!.cancels.map((c) => c.amount)).toEqual([7000, 3000]);
    // Only our own refund took units back: the console refund moves no goods.
    expect(cancelledUnits(now, o)).toEqual([0, 0, 1]);
    expect(count(await eventKindsOf(w, o.orderId), 'FLAGGED')).toBe(1);
  });
});
