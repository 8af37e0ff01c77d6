import { print } from 'graphql';
import {
  ConfirmPurchaseDocument,
  MarkShipmentDeliveredDocument,
  PartialOrderEventsDocument,
  PartialSellerOrderEventsDocument,
  type PartialOrderEventsSubscription,
  type PartialSellerOrderEventsSubscription,
} from '../generated/graphql';
import {
  cancellationsOf,
  cancelItems,
  cancelWhole,
  countCancelRequests,
  CUSTOMER_REASON,
  eventKindsOf,
  expectConsistent,
  held,
  lineStatusesOf,
  notificationsOf,
  partialOrder,
  refusal,
  SELLER_REASON,
  snapshot,
  stocksOf,
  threeLineOrder,
  tossCancelCount,
  tossPaymentOf,
  TOTAL,
  type ThreeLineOrder,
} from '../helpers/partial-refunds';
import { ship, startShippingWorld, type ShippingWorld } from '../helpers/shipping';
import { collect, connectWs, type WsConnection } from '../helpers/ws-client';

/** Issue #16, partial refunds: cancelOrderItems through the real endpoint, Toss's sandbox over HTTP. */
let w: ShippingWorld;
const connections: WsConnection[] = [];
beforeAll(async () => {
  w = await startShippingWorld();
}, 60_000);
afterAll(async () => {
  for (const c of connections) await c.client.dispose();
  await w?.close();
});
afterEach(() => w.toss.clearFaults());

const asCustomer = (orderId: string) => partialOrder(w.t.client, w.customer.token, orderId);
const byCustomer = (orderId: string, items: Array<{ itemId: string; quantity: number }>, reason?: string) =>
  cancelItems(w.t.client, w.customer.token, orderId, items, reason);
const shipOk = async (token: string, orderId: string, itemIds: string[]) => {
  const res = await ship(w.t.client, token, orderId, itemIds);
  expect(res.errors).toBeUndefined();
  return res.data!.shipOrderItems;
};
async function subscribe<T>(token: string, query: string, field: string) {
  const conn = connectWs(w.t.url, token);
  connections.push(conn);
  await conn.opened;
  const feed = collect<T>(conn, query, field);
  await new Promise((r) => setTimeout(r, 200)); // let the subscription register
  return feed;
}

describe('a customer cancels some lines', () => {
  it('one whole line and some units of another: refunded once at Toss, lines, stock, payment and events agree', async () => {
    const o = await threeLineOrder(w);
    const res = await byCustomer(o.orderId, [
      { itemId: o.a1.id, quantity: 1 },
      { itemId: o.a2.id, quantity: 2 },
    ]);
    expect(res.errors).toBeUndefined();
    const got = res.data!.cancelOrderItems;
    const refunded = 12000 + 2 * 5000;
    expect(got).toMatchObject({ status: 'ORDER_COMPLETED', totalAmount: TOTAL, refundPending: false });
    expect(lineStatusesOf(got)).toEqual({ [o.a1.id]: 'CANCELLED', [o.a2.id]: 'ORDER_COMPLETED', [o.b1.id]: 'ORDER_COMPLETED' });
    expect(Object.fromEntries(got.items.map((i) => [i.id, i.cancelledQuantity]))).toEqual({ [o.a1.id]: 1, [o.a2.id]: 2, [o.b1.id]: 0 });

    // Toss's own record: one partial cancel of that amount, made against the full balance.
    const toss = tossPaymentOf(w.toss, o.orderId)!;
    expect(toss).toMatchObject({ status: 'PARTIAL_CANCELED', totalAmount: TOTAL, balanceAmount: TOTAL - refunded });
    expect(toss.cancels).toEqual([
      expect.objectContaining({ cancelAmount: refunded, refundableAmount: TOTAL - refunded, cancelReason: CUSTOMER_REASON }),
    ]);
    // Our payment says what Toss says, with Toss's transaction key.
    expect(got.payment).toMatchObject({ status: 'PARTIAL_CANCELED', amount: TOTAL, balanceAmount: TOTAL - refunded });
    expect(got.payment!.cancels).toEqual([
      { amount: refunded, reason: CUSTOMER_REASON, canceledAt: expect.any(String), transactionKey: toss.cancels![0].transactionKey },
    ]);
    expect(await cancellationsOf(w, o.orderId)).toEqual([
      { status: 'DONE', amount: refunded, idempotencyKey: `cancel-${o.orderId}-1`, transactionKey: toss.cancels![0].transactionKey },
    ]);
    // The units are back on sale, in the database and in the StockGuard (once Toss's webhook, which may settle it first, is done).
    await w.toss.waitForWebhooks();
    expect(await stocksOf(w, o)).toEqual({ [o.a1.productId]: held(0), [o.a2.productId]: held(1), [o.b1.productId]: held(2) });
    expect(await notificationsOf(w.t.client, w.customer.token, o.orderId)).toEqual([
      { kind: 'CREATED', orderStatus: 'PAYMENT_PENDING', paymentStatus: null },
      { kind: 'PAID', orderStatus: 'ORDER_COMPLETED', paymentStatus: 'DONE' },
      { kind: 'ITEMS_CANCELLED', orderStatus: 'ORDER_COMPLETED', paymentStatus: 'PARTIAL_CANCELED' },
    ]);
    // Toss's webhook for our own refund flags nothing.
    const admin = await partialOrder(w.t.client, w.admin.token, o.orderId);
    expect(admin.payment!.cancels).toHaveLength(1);
    expect(await eventKindsOf(w, o.orderId)).not.toContain('FLAGGED');
    await expectConsistent(w, o);
  });

  it('cancelling every unit left cancels the order: CANCELLED, payment CANCELED, REFUNDED event, all stock back', async () => {
    const o = await threeLineOrder(w);
    expect((await byCustomer(o.orderId, [{ itemId: o.a2.id, quantity: 1 }])).errors).toBeUndefined();
    const res = await byCustomer(
      o.orderId,
      [
        { itemId: o.a1.id, quantity: 1 },
        { itemId: o.a2.id, quantity: 2 },
        { itemId: o.b1.id, quantity: 2 },
      ],
      '이사 갑니다',
    );
    expect(res.errors).toBeUndefined();
    const got = res.data!.cancelOrderItems;
    expect(got).toMatchObject({ status: 'CANCELLED', refundPending: false, payment: { status: 'CANCELED', balanceAmount: 0 } });
    expect(got.items.map((i) => [i.status, i.cancelledQuantity === i.quantity])).toEqual([
      ['CANCELLED', true],
      ['CANCELLED', true],
      ['CANCELLED', true],
    ]);
    expect(got.payment!.cancels.map((c) => [c.amount, c.reason])).toEqual([
      [5000, CUSTOMER_REASON],
      [TOTAL - 5000, '이사 갑니다'],
    ]);
    expect(tossPaymentOf(w.toss, o.orderId)).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    expect((await cancellationsOf(w, o.orderId)).map((c) => c.idempotencyKey)).toEqual([`cancel-${o.orderId}-1`, `cancel-${o.orderId}-2`]);
    await w.toss.waitForWebhooks();
    expect((await notificationsOf(w.t.client, w.customer.token, o.orderId)).map((n) => n.kind)).toEqual([
      'CREATED',
      'PAID',
      'ITEMS_CANCELLED',
      'REFUNDED',
    ]);
    expect(await stocksOf(w, o)).toEqual({ [o.a1.productId]: held(0), [o.a2.productId]: held(0), [o.b1.productId]: held(0) });
    await expectConsistent(w, o);
  });

  it('cancelOrder after a partial cancel refunds only the rest and returns only the units still sold', async () => {
    const o = await threeLineOrder(w);
    expect((await byCustomer(o.orderId, [{ itemId: o.b1.id, quantity: 1 }])).errors).toBeUndefined();
    const res = await cancelWhole(w.t.client, w.customer.token, o.orderId);
    expect(res.errors).toBeUndefined();
    expect(res.data!.cancelOrder).toMatchObject({ status: 'CANCELLED', payment: { status: 'CANCELED', balanceAmount: 0 } });
    // Toss's webhook may settle the refund first; its delivery ends once the stock is back.
    await w.toss.waitForWebhooks();
    const toss = tossPaymentOf(w.toss, o.orderId)!;
    expect(toss.cancels!.map((c) => c.cancelAmount)).toEqual([7000, TOTAL - 7000]);
    expect(await stocksOf(w, o)).toEqual({ [o.a1.productId]: held(0), [o.a2.productId]: held(0), [o.b1.productId]: held(0) });
    await expectConsistent(w, o);
  });
});

describe('a seller cancels its own line (판매 취소)', () => {
  it("is refunded like the customer's, with the seller's reason, and the customer and every seller hear of it live", async () => {
    const o = await threeLineOrder(w);
    type Ev = PartialOrderEventsSubscription['orderEvents'];
    type SellerEv = PartialSellerOrderEventsSubscription['sellerOrderEvents'];
    const customerFeed = await subscribe<Ev>(w.customer.token, print(PartialOrderEventsDocument), 'orderEvents');
    const sellerAFeed = await subscribe<SellerEv>(w.sellerA.token, print(PartialSellerOrderEventsDocument), 'sellerOrderEvents');
    const res = await cancelItems(w.t.client, w.sellerB.token, o.orderId, [{ itemId: o.b1.id, quantity: 2 }]);
    expect(res.errors).toBeUndefined();
    // The seller sees its own lines only, and no payment.
    expect(res.data!.cancelOrderItems.items.map((i) => [i.id, i.status, i.cancelledQuantity])).toEqual([[o.b1.id, 'CANCELLED', 2]]);
    expect(res.data!.cancelOrderItems.payment).toBeNull();
    const [live] = (await customerFeed.waitFor(1)).filter((e) => e.orderId === o.orderId);
    expect(live).toMatchObject({ kind: 'ITEMS_CANCELLED', orderStatus: 'ORDER_COMPLETED', paymentStatus: 'PARTIAL_CANCELED' });
    const [forA] = (await sellerAFeed.waitFor(1)).filter((e) => e.orderId === o.orderId);
    expect(forA).toMatchObject({ kind: 'ITEMS_CANCELLED', orderStatus: 'ORDER_COMPLETED' });
    // Seller A's feed carries seller A's lines only.
    expect(forA.items.map((i) => i.id).sort()).toEqual([o.a1.id, o.a2.id].sort());
    expect(tossPaymentOf(w.toss, o.orderId)!.cancels).toEqual([
      expect.objectContaining({ cancelAmount: 14000, cancelReason: SELLER_REASON }),
    ]);
    const custom = await cancelItems(w.t.client, w.sellerA.token, o.orderId, [{ itemId: o.a2.id, quantity: 1 }], '재고 파손 (damaged)');
    expect(custom.errors).toBeUndefined();
    expect((await asCustomer(o.orderId)).payment!.cancels.map((c) => c.reason)).toEqual([SELLER_REASON, '재고 파손 (damaged)']);
    await expectConsistent(w, o);
  });
});

describe('refusals: a stable code, nothing changed, nothing sent to Toss', () => {
  /** Runs `call`, expects `expected`, and checks the order, its stock, Toss and the events are as they were. */
  async function refused(o: ThreeLineOrder, call: () => Promise<Parameters<typeof refusal>[0]>, expected: ReturnType<typeof refusal>) {
    const before = await snapshot(w, o);
    const cancelsBefore = tossCancelCount(w.toss);
    const requests = countCancelRequests(w.toss);
    const res = await call();
    expect(refusal(res)).toEqual(expected);
    expect(requests()).toBe(0);
    w.toss.clearFaults();
    expect(tossCancelCount(w.toss)).toBe(cancelsBefore);
    expect(await snapshot(w, o)).toEqual(before);
  }
  const items = { code: 'BAD_USER_INPUT', field: 'items' };
  const orderIdField = { code: 'BAD_USER_INPUT', field: 'orderId' };
  const notFound = { code: 'NOT_FOUND', field: undefined };

  it('shipped and purchase-confirmed lines', async () => {
    const o = await threeLineOrder(w);
    const parcel = await shipOk(w.sellerA.token, o.orderId, [o.a1.id, o.a2.id]);
    await refused(o, () => byCustomer(o.orderId, [{ itemId: o.a1.id, quantity: 1 }]), items);
    await refused(o, () => cancelItems(w.t.client, w.sellerA.token, o.orderId, [{ itemId: o.a2.id, quantity: 1 }]), items);
    await w.t.client.ok(MarkShipmentDeliveredDocument, { shipmentId: parcel.id }, { token: w.sellerA.token });
    await w.t.client.ok(ConfirmPurchaseDocument, { orderId: o.orderId }, { token: w.customer.token });
    expect((await asCustomer(o.orderId)).items.find((i) => i.id === o.a2.id)!.status).toBe('PURCHASE_CONFIRMED');
    await refused(o, () => byCustomer(o.orderId, [{ itemId: o.a2.id, quantity: 1 }]), items);
    // Together with a line that could be cancelled: the whole call is refused.
    await refused(
      o,
      () =>
        byCustomer(o.orderId, [
          { itemId: o.b1.id, quantity: 1 },
          { itemId: o.a1.id, quantity: 1 },
        ]),
      items,
    );
  });

  it('quantities: above what is left, zero, negative; duplicate lines; no lines; too long a reason', async () => {
    const o = await threeLineOrder(w);
    await refused(o, () => byCustomer(o.orderId, [{ itemId: o.a2.id, quantity: 4 }]), items);
    expect((await byCustomer(o.orderId, [{ itemId: o.a2.id, quantity: 2 }])).errors).toBeUndefined();
    await refused(o, () => byCustomer(o.orderId, [{ itemId: o.a2.id, quantity: 2 }]), items);
    expect((await byCustomer(o.orderId, [{ itemId: o.a2.id, quantity: 1 }])).errors).toBeUndefined();
    await refused(o, () => byCustomer(o.orderId, [{ itemId: o.a2.id, quantity: 1 }]), items);
    for (const quantity of [0, -1]) await refused(o, () => byCustomer(o.orderId, [{ itemId: o.b1.id, quantity }]), items);
    await refused(
      o,
      () =>
        byCustomer(o.orderId, [
          { itemId: o.b1.id, quantity: 1 },
          { itemId: o.b1.id, quantity: 1 },
        ]),
      items,
    );
    await refused(o, () => byCustomer(o.orderId, []), items);
    const many = Array.from({ length: 101 }, (_, i) => ({ itemId: String(Number(o.b1.id) + 1000 + i), quantity: 1 }));
    await refused(o, () => byCustomer(o.orderId, many), items);
    await refused(o, () => byCustomer(o.orderId, [{ itemId: o.b1.id, quantity: 1 }], '가'.repeat(201)), {
      code: 'BAD_USER_INPUT',
      field: 'reason',
    });
  });

  it("another order's line, another customer's order, another seller's line, a seller with no line, unknown ids", async () => {
    const o = await threeLineOrder(w);
    const other = await threeLineOrder(w);
    await refused(o, () => byCustomer(o.orderId, [{ itemId: other.a1.id, quantity: 1 }]), notFound);
    await refused(o, () => cancelItems(w.t.client, w.otherCustomer.token, o.orderId, [{ itemId: o.a1.id, quantity: 1 }]), notFound);
    await refused(o, () => cancelItems(w.t.client, w.sellerA.token, o.orderId, [{ itemId: o.b1.id, quantity: 1 }]), notFound);
    await refused(o, () => cancelItems(w.t.client, w.sellerC.token, o.orderId, [{ itemId: o.a1.id, quantity: 1 }]), notFound);
    await refused(o, () => byCustomer(o.orderId, [{ itemId: 'not-an-id', quantity: 1 }]), notFound);
    await refused(o, () => byCustomer(o.orderId, [{ itemId: '999999999', quantity: 1 }]), notFound);
    await refused(o, () => byCustomer('no-such-order', [{ itemId: o.a1.id, quantity: 1 }]), notFound);
    await refused(o, () => cancelItems(w.t.client, w.admin.token, o.orderId, [{ itemId: o.a1.id, quantity: 1 }]), {
      code: 'FORBIDDEN',
      field: undefined,
    });
  });

  it('an unpaid order and a cancelled order: BAD_USER_INPUT on orderId', async () => {
    const unpaid = await threeLineOrder(w, { paid: false });
    await refused(unpaid, () => byCustomer(unpaid.orderId, [{ itemId: unpaid.a1.id, quantity: 1 }]), orderIdField);
    const cancelled = await threeLineOrder(w);
    expect((await cancelWhole(w.t.client, w.customer.token, cancelled.orderId)).errors).toBeUndefined();
    await refused(cancelled, () => byCustomer(cancelled.orderId, [{ itemId: cancelled.a1.id, quantity: 1 }]), orderIdField);
    await refused(
      cancelled,
      () => cancelItems(w.t.client, w.sellerB.token, cancelled.orderId, [{ itemId: cancelled.b1.id, quantity: 1 }]),
      orderIdField,
    );
  });
});

describe('with shipments under way', () => {
  it("a line of a seller who has not shipped yet is cancelled while another seller's parcel travels: the order stays SHIPPING", async () => {
    const o = await threeLineOrder(w);
    await shipOk(w.sellerA.token, o.orderId, [o.a1.id, o.a2.id]);
    const res = await byCustomer(o.orderId, [{ itemId: o.b1.id, quantity: 2 }]);
    expect(res.errors).toBeUndefined();
    expect(res.data!.cancelOrderItems.status).toBe('SHIPPING');
    expect(lineStatusesOf(res.data!.cancelOrderItems)).toEqual({
      [o.a1.id]: 'SHIPPING',
      [o.a2.id]: 'SHIPPING',
      [o.b1.id]: 'CANCELLED',
    });
    // A cancelled line cannot ship.
    expect(refusal(await ship(w.t.client, w.sellerB.token, o.orderId, [o.b1.id]))).toEqual({ code: 'BAD_USER_INPUT', field: 'itemIds' });
    await expectConsistent(w, o);
  });

  it('a SHIPPING order whose other lines are delivered becomes DELIVERED once the undelivered rest is cancelled', async () => {
    const o = await threeLineOrder(w);
    const parcel = await shipOk(w.sellerA.token, o.orderId, [o.a1.id, o.a2.id]);
    await w.t.client.ok(MarkShipmentDeliveredDocument, { shipmentId: parcel.id }, { token: w.sellerA.token });
    expect((await asCustomer(o.orderId)).status).toBe('SHIPPING');
    // One of two units: a unit is still to ship, so the order still ships.
    expect((await byCustomer(o.orderId, [{ itemId: o.b1.id, quantity: 1 }])).data!.cancelOrderItems.status).toBe('SHIPPING');
    const res = await byCustomer(o.orderId, [{ itemId: o.b1.id, quantity: 1 }]);
    expect(res.errors).toBeUndefined();
    expect(res.data!.cancelOrderItems).toMatchObject({
      status: 'DELIVERED',
      payment: { status: 'PARTIAL_CANCELED', balanceAmount: 27000 },
    });
    expect((await eventKindsOf(w, o.orderId)).slice(-3)).toEqual(['ITEMS_CANCELLED', 'ITEMS_CANCELLED', 'DELIVERED']);
    await expectConsistent(w, o);
  });
});
