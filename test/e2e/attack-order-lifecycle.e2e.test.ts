import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse, print } from 'graphql';
import { Order, OrderStatusChange, Product } from '../../src/entities';
import {
  AddToCartDocument,
  CancelOrderDocument,
  ConfirmPaymentDocument,
  CreateOrderDocument,
  NotificationsDocument,
  OrderDocument,
  OrderEventsDocument,
  type OrderEventsSubscription,
  OrderFlagDocument,
  UpdateOrderStatusDocument,
} from '../generated/graphql';
import { signUpAs } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { codeOf, type GraphQLClient, type Result } from '../helpers/graphql-client';
import { cancelItems, cancelWhole, expectConsistent, held, stockOf, threeLineOrder, tossPaymentOf } from '../helpers/partial-refunds';
import { ADDRESS, createOrderWith, orderAs, shipOk, startTwoInstanceWorld, type TwoInstanceWorld } from '../helpers/shipping';
import { sweeperWithoutGrace } from '../helpers/test-app';
import { authorizeOrder, merchantCancel } from '../helpers/toss';
import { collect, connectWs } from '../helpers/ws-client';

/**
 * Attacks the plain-SQL order status changes (issue #18): races on one or two instances, the
 * stock given back, the event rows, the errors and the dates. Runs on both profiles; on the
 * embedded one both "instances" are the same app.
 */
let w: TwoInstanceWorld;
let one: GraphQLClient, two: GraphQLClient;
beforeAll(async () => {
  w = await startTwoInstanceWorld();
  ({ one, two } = w);
}, 60_000);
afterAll(() => w?.close());

const em = () => w.t.app.orm.em.fork();
const eventsOf = async (orderId: string) =>
  (await em().find(OrderStatusChange, { orderCode: orderId }, { orderBy: { id: 'asc' } })).map((e) => ({
    kind: e.kind,
    paymentStatus: e.paymentStatus,
    from: e.fromStatus,
    to: e.toStatus,
    reason: e.reason,
    at: e.at,
  }));
const rowOf = (orderId: string) => em().findOneOrFail(Order, { orderId });
/** After a payment race on `orderId`, once the sandbox's webhooks are in: its row, Toss's payment and its events past CREATED. */
async function settledRace(orderId: string) {
  await w.toss.waitForWebhooks();
  const row = await rowOf(orderId);
  const toss = w.toss.payments().find((p) => p.orderId === orderId);
  const ends = (await eventsOf(orderId)).filter((e) => e.kind !== 'CREATED').map((e) => [e.kind, e.paymentStatus, e.from, e.to]);
  return { row, toss, ends };
}
const won = (res: Result<unknown>) => !res.errors?.length && res.data != null;

/** Every field of an Order, as a cancel answers it and as the order query does (the two must agree). */
const ORDER_SELECTION = `orderId orderName status totalAmount orderedAt expiresAt paidAt cancelledAt failureCode failureMessage
  cancelReason refundPending flaggedAt flagReason
  shippingAddress { recipientName phone postcode roadAddress detail memo }
  items { id productId productName unitPrice quantity cancelledQuantity status shipmentId purchaseConfirmedAt }
  shipments { id status } payment { status amount balanceAmount }`;
type AnyOrder = Record<string, unknown>;
const FULL_CANCEL = parse(
  `mutation FullCancel($orderId: String!) { cancelOrder(orderId: $orderId) { ${ORDER_SELECTION} } }`,
) as TypedDocumentNode<{ cancelOrder: AnyOrder }, { orderId: string }>;
const FULL_ORDER = parse(`query FullOrder($orderId: String!) { order(orderId: $orderId) { ${ORDER_SELECTION} } }`) as TypedDocumentNode<
  { order: AnyOrder | null },
  { orderId: string }
>;

/** An unpaid order of the customer for `quantity` units of a fresh product with `stock` units. */
async function unpaidOrder(quantity = 2, stock = 10) {
  const p = await createProduct(w.t.client, w.sellerA.token, { name: '공격 상품', price: 3000, stock });
  const res = await createOrderWith(w.t.client, w.customer.token, [{ productId: p.id, quantity }]);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return { productId: p.id, orderId: res.data!.createOrder.orderId };
}

describe('customer cancel of an unpaid order', () => {
  it('cancels it once: CANCELLED with one CANCELLED event, stock back in MySQL and the StockGuard, dates right, nulls null', async () => {
    const { productId, orderId } = await unpaidOrder(3);
    expect(await stockOf(w, productId)).toEqual({ db: 7, guard: 7 });
    const before = Date.now() - 1000;
    const res = await one.request(CancelOrderDocument, { orderId, reason: '  마음이 바뀜  ' }, { token: w.customer.token });
    const after = Date.now() + 1000;
    expect(res.errors).toBeUndefined();
    const order = res.data!.cancelOrder;
    expect(order).toMatchObject({
      status: 'CANCELLED',
      paidAt: null,
      failureCode: null,
      failureMessage: null,
      cancelReason: '마음이 바뀜',
    });
    const cancelledAt = Date.parse(order.cancelledAt!);
    expect(cancelledAt >= before && cancelledAt <= after).toBe(true);
    // The row holds the same instant (no time-zone shift between the write and the read).
    const row = await rowOf(orderId);
    expect(row.cancelledAt!.getTime()).toBe(cancelledAt);
    expect(row.paidAt).toBeNull();
    expect(row.failureCode).toBeNull();
    // What the API answers now is what the mutation answered.
    const again = (await one.ok(OrderDocument, { orderId }, { token: w.customer.token })).order!;
    expect(again).toEqual(order);
    const events = await eventsOf(orderId);
    expect(events.filter((e) => e.kind !== 'CREATED').map(({ at: _at, ...e }) => e)).toEqual([
      { kind: 'CANCELLED', paymentStatus: null, from: 'PAYMENT_PENDING', to: 'CANCELLED', reason: '마음이 바뀜' },
    ]);
    const at = events[events.length - 1].at.getTime();
    expect(at >= before && at <= after).toBe(true);
    expect(await stockOf(w, productId)).toEqual({ db: 10, guard: 10 });
    // Cancelling again is refused with the reason, and changes nothing.
    const twice = await two.request(CancelOrderDocument, { orderId }, { token: w.customer.token });
    expect(codeOf(twice)).toBe('BAD_USER_INPUT');
    expect(twice.errors![0].message).toContain('This order cannot be cancelled: it is already cancelled.');
    expect(await eventsOf(orderId)).toEqual(events);
    expect(await stockOf(w, productId)).toEqual({ db: 10, guard: 10 });
  });

  it("someone else's order is NOT_FOUND (another customer, its seller, an admin); a too long reason BAD_USER_INPUT; nothing changes", async () => {
    const { productId, orderId } = await unpaidOrder(2);
    const row = await rowOf(orderId);
    expect(codeOf(await one.request(CancelOrderDocument, { orderId }, { token: w.otherCustomer.token }))).toBe('NOT_FOUND');
    // Not a customer: refused before any order is looked at.
    for (const token of [w.sellerA.token, w.admin.token]) {
      expect(['FORBIDDEN', 'NOT_FOUND']).toContain(codeOf(await one.request(CancelOrderDocument, { orderId }, { token })));
    }
    expect(codeOf(await one.request(CancelOrderDocument, { orderId: 'no-such-order-xyz' }, { token: w.customer.token }))).toBe('NOT_FOUND');
    const long = await one.request(CancelOrderDocument, { orderId, reason: 'x'.repeat(201) }, { token: w.customer.token });
    expect(codeOf(long)).toBe('BAD_USER_INPUT');
    expect(await rowOf(orderId)).toEqual(row);
    expect((await eventsOf(orderId)).filter((e) => e.kind !== 'CREATED')).toEqual([]);
    expect(await stockOf(w, productId)).toEqual({ db: 8, guard: 8 });
  });

  it('odd reasons are stored as given (or refused as BAD_USER_INPUT: a NUL, over 200 UTF-16 units), never a server error; the event carries the same reason', async () => {
    const emoji = '😀';
    const cases: Array<{ reason: string; ok: boolean }> = [
      { reason: 'a\u0000b', ok: false },
      { reason: emoji.repeat(100), ok: true },
      { reason: emoji.repeat(101), ok: false },
      { reason: "'); drop table customer_order; --", ok: true },
      { reason: '   ', ok: true },
    ];
    for (const { reason, ok } of cases) {
      const { productId, orderId } = await unpaidOrder(1, 3);
      const res = await one.request(CancelOrderDocument, { orderId, reason }, { token: w.customer.token });
      const row = await rowOf(orderId);
      const ends = (await eventsOf(orderId)).filter((e) => e.kind !== 'CREATED');
      const expected = reason.trim() || null;
      if (ok) {
        expect({ reason, errors: res.errors, status: row.status, stored: row.cancelReason, event: ends.map((e) => e.reason) }).toEqual({
          reason,
          errors: undefined,
          status: 'CANCELLED',
          stored: expected,
          event: [expected ?? 'cancelled by the customer'],
        });
        expect(await stockOf(w, productId)).toEqual({ db: 3, guard: 3 });
      } else {
        expect({ reason, code: codeOf(res), status: row.status, events: ends.length }).toEqual({
          reason,
          code: 'BAD_USER_INPUT',
          status: 'PAYMENT_PENDING',
          events: 0,
        });
        await one.ok(CancelOrderDocument, { orderId }, { token: w.customer.token });
      }
    }
  });

  it("an orderId that is not the order's (another case, a trailing space) is NOT_FOUND, on both profiles alike", async () => {
    const { orderId } = await unpaidOrder(1, 3);
    const variants = [orderId.toLowerCase(), orderId.toUpperCase(), `${orderId} `].filter((v) => v !== orderId);
    for (const variant of variants) {
      const res = await one.request(CancelOrderDocument, { orderId: variant }, { token: w.customer.token });
      expect({ variant, code: codeOf(res) }).toEqual({ variant, code: 'NOT_FOUND' });
    }
    expect((await rowOf(orderId)).status).toBe('PAYMENT_PENDING');
    await one.ok(CancelOrderDocument, { orderId }, { token: w.customer.token });
  });

  it('racing cancels on two instances and the expiry sweeper: exactly one wins, one event, the stock back once', async () => {
    for (let round = 0; round < 4; round++) {
      const { productId, orderId } = await unpaidOrder(2, 5);
      const [a, b] = await Promise.all([
        one.request(CancelOrderDocument, { orderId }, { token: w.customer.token }),
        two.request(CancelOrderDocument, { orderId }, { token: w.customer.token }),
        // The sweeper sees every unpaid order as overdue: it races the two cancels.
        round % 2 ? sweeperWithoutGrace(w.t.app).expireOverdue(new Date(Date.now() + 3_600_000)) : Promise.resolve(0),
        // The peer's stale-reservation pass too: the StockGuard's units come back once whoever ends the order.
        sweeperWithoutGrace(w.peer.app).settleStaleReservations(),
      ]);
      const row = await rowOf(orderId);
      const ends = (await eventsOf(orderId)).filter((e) => e.kind !== 'CREATED');
      expect({ round, ends: ends.length, status: row.status }).toEqual({
        round,
        ends: 1,
        status: ends[0]?.kind === 'EXPIRED' ? 'PAYMENT_FAILED' : 'CANCELLED',
      });
      // Every answer is the winner's outcome or a refusal naming it.
      for (const res of [a, b]) {
        if (won(res)) expect((res.data as { cancelOrder: { status: string } }).cancelOrder.status).toBe('CANCELLED');
        else expect(codeOf(res)).toBe('BAD_USER_INPUT');
      }
      if (row.status === 'CANCELLED') {
        expect(row.cancelledAt).not.toBeNull();
        expect(row.failureCode).toBeNull();
      } else {
        expect(row).toMatchObject({ failureCode: 'EXPIRED', cancelledAt: null });
        expect(ends[0].paymentStatus).toBeNull();
      }
      expect({ round, stock: await stockOf(w, productId) }).toEqual({ round, stock: { db: 5, guard: 5 } });
    }
  });
});

describe('paid orders', () => {
  it('a refund cancels it once (REFUNDED, CANCELED), paidAt kept, stock back once; it then cannot be shipped', async () => {
    const order = await threeLineOrder(w);
    const paidAt = (await rowOf(order.orderId)).paidAt!;
    expect(paidAt).toBeInstanceOf(Date);
    const [a, b] = await Promise.all([
      cancelWhole(one, w.customer.token, order.orderId),
      cancelWhole(two, w.customer.token, order.orderId),
    ]);
    expect([a, b].filter(won).length).toBeGreaterThanOrEqual(1);
    for (const res of [a, b]) if (!won(res)) expect(['BAD_USER_INPUT', 'CONFLICT']).toContain(codeOf(res));
    const now = await expectConsistent(w, order);
    expect(now.status).toBe('CANCELLED');
    const row = await rowOf(order.orderId);
    expect(row.paidAt!.getTime()).toBe(paidAt.getTime());
    expect(row.cancelledAt).not.toBeNull();
    const ends = (await eventsOf(order.orderId)).filter((e) => e.to === 'CANCELLED');
    expect(ends.map(({ at: _at, reason: _r, ...e }) => e)).toEqual([
      { kind: 'REFUNDED', paymentStatus: 'CANCELED', from: 'ORDER_COMPLETED', to: 'CANCELLED' },
    ]);
    const notes = (await one.ok(NotificationsDocument, { first: 50 }, { token: w.customer.token })).notifications.edges
      .map((e) => e.node)
      .filter((n) => n.orderId === order.orderId && n.kind === 'REFUNDED');
    expect(notes).toHaveLength(1);
    const ship = await one.request(
      UpdateOrderStatusDocument,
      { orderId: order.orderId, status: 'SHIPPING' as never },
      { token: w.admin.token },
    );
    expect(codeOf(ship)).toBe('BAD_USER_INPUT');
    expect((await rowOf(order.orderId)).status).toBe('CANCELLED');
  });

  it('partial cancels then the full cancel: the refunded units are not given back twice', async () => {
    const order = await threeLineOrder(w);
    const part = await cancelItems(one, w.customer.token, order.orderId, [{ itemId: order.a2.id, quantity: 2 }]);
    expect(part.errors).toBeUndefined();
    await w.toss.waitForWebhooks();
    expect(await stockOf(w, order.a2.productId)).toEqual(held(1));
    expect((await cancelWhole(two, w.customer.token, order.orderId)).errors).toBeUndefined();
    await expectConsistent(w, order);
    for (const l of [order.a1, order.a2, order.b1]) expect(await stockOf(w, l.productId)).toEqual(held(0));
  });

  it('cancelling every unit through cancelOrderItems cancels the order once (one REFUNDED event) and gives each unit back once', async () => {
    const order = await threeLineOrder(w);
    const all = [order.a1, order.a2, order.b1].map((l) => ({ itemId: l.id, quantity: l.quantity }));
    const res = await cancelItems(two, w.customer.token, order.orderId, all);
    expect(res.errors).toBeUndefined();
    const now = await expectConsistent(w, order);
    expect(now.status).toBe('CANCELLED');
    for (const l of [order.a1, order.a2, order.b1]) expect(await stockOf(w, l.productId)).toEqual(held(0));
    const ends = (await eventsOf(order.orderId)).filter((e) => e.to === 'CANCELLED');
    expect(ends.map((e) => [e.kind, e.paymentStatus, e.from])).toEqual([['REFUNDED', 'CANCELED', 'ORDER_COMPLETED']]);
    const row = await rowOf(order.orderId);
    expect(row.cancelledAt).not.toBeNull();
    expect(row.refundClaimedAt).toBeNull();
  });

  it('a product sold out by an order is on sale again once the order is cancelled, and another customer can buy every unit', async () => {
    const { productId, orderId } = await unpaidOrder(3, 3);
    expect(await stockOf(w, productId)).toEqual({ db: 0, guard: 0 });
    await two.ok(CancelOrderDocument, { orderId }, { token: w.customer.token });
    expect(await stockOf(w, productId)).toEqual({ db: 3, guard: 3 });
    const product = await em().findOneOrFail(Product, Number(productId));
    expect({ status: product.status, soldOutBySeller: product.soldOutBySeller }).toEqual({ status: 'ON_SALE', soldOutBySeller: false });
    const again = await createOrderWith(one, w.otherCustomer.token, [{ productId, quantity: 3 }]);
    expect(again.errors).toBeUndefined();
    expect(await stockOf(w, productId)).toEqual({ db: 0, guard: 0 });
    // Nothing oversold: a fourth unit is refused.
    const more = await two.request(AddToCartDocument, { productId, quantity: 1 }, { token: w.customer.token });
    expect(codeOf(more)).toBe('OUT_OF_STOCK');
    await one.ok(CancelOrderDocument, { orderId: again.data!.createOrder.orderId }, { token: w.otherCustomer.token });
  });

  it('what a cancel answers (winner or loser of a race, unpaid or paid, with an address) is what the order query then answers', async () => {
    const unpaid = await createOrderWith(one, w.customer.token, [{ productId: (await unpaidOrder(1, 5)).productId, quantity: 1 }], {
      shippingAddress: ADDRESS,
    });
    const paid = await threeLineOrder(w);
    for (const orderId of [unpaid.data!.createOrder.orderId, paid.orderId]) {
      const answers = await Promise.all([
        one.request(FULL_CANCEL, { orderId }, { token: w.customer.token }),
        two.request(FULL_CANCEL, { orderId }, { token: w.customer.token }),
      ]);
      await w.toss.waitForWebhooks();
      const now = (await one.ok(FULL_ORDER, { orderId }, { token: w.customer.token })).order;
      expect(now).toMatchObject({ status: 'CANCELLED' });
      for (const res of answers.filter(won)) expect({ orderId, answer: res.data!.cancelOrder }).toEqual({ orderId, answer: now });
    }
  });

  it('a shipped order cannot be cancelled: BAD_USER_INPUT with the message, nothing half-written', async () => {
    const order = await threeLineOrder(w);
    await shipOk(one, w.sellerA.token, order.orderId, [order.a1.id, order.a2.id]);
    await shipOk(two, w.sellerB.token, order.orderId, [order.b1.id]);
    expect((await orderAs(one, w.customer.token, order.orderId)).status).toBe('SHIPPING');
    const before = { row: await rowOf(order.orderId), events: await eventsOf(order.orderId) };
    const res = await two.request(CancelOrderDocument, { orderId: order.orderId }, { token: w.customer.token });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0].message).toContain('This order cannot be cancelled: it is already being shipped.');
    expect({ row: await rowOf(order.orderId), events: await eventsOf(order.orderId) }).toEqual(before);
    expect(tossPaymentOf(w.toss, order.orderId)!.status).toBe('DONE');
  });
});

describe('payment against cancel', () => {
  it('confirmPayment racing the cancel on two instances: paid, or cancelled with Toss refunded (one REFUNDED event); stock and events agree', async () => {
    // The events are checked after every round ran, so a wrong event does not hide the other rules' outcome.
    const events: Array<{ round: number; events: unknown[]; expected: unknown[] }> = [];
    for (let round = 0; round < 20; round++) {
      const { productId, orderId } = await unpaidOrder(1, 5);
      const view = await orderAs(one, w.customer.token, orderId);
      const auth = authorizeOrder(w.toss, view);
      const [first, second] = round % 2 ? [one, two] : [two, one];
      await Promise.all([
        first.request(ConfirmPaymentDocument, { input: auth }, { token: w.customer.token }),
        second.request(CancelOrderDocument, { orderId }, { token: w.customer.token }),
      ]);
      const { row, toss, ends } = await settledRace(orderId);
      if (row.status === 'ORDER_COMPLETED') {
        expect({ round, toss: toss?.status }).toEqual({ round, toss: 'DONE' });
        expect(row.paidAt).not.toBeNull();
        expect({ round, stock: await stockOf(w, productId) }).toEqual({ round, stock: { db: 4, guard: 4 } });
        events.push({ round, events: ends, expected: [['PAID', 'DONE', 'PAYMENT_PENDING', 'ORDER_COMPLETED']] });
      } else {
        expect({ round, status: row.status, paidAt: row.paidAt }).toEqual({ round, status: 'CANCELLED', paidAt: null });
        // A cancelled order is never paid: whatever Toss approved is refunded.
        expect({ round, charged: ['DONE', 'PARTIAL_CANCELED'].includes(toss?.status ?? '') }).toEqual({ round, charged: false });
        expect({ round, stock: await stockOf(w, productId) }).toEqual({ round, stock: { db: 5, guard: 5 } });
        // One CANCELLED event for the change, and, when Toss had approved the payment, one REFUNDED for its refund.
        const refund = toss?.status === 'CANCELED' ? [['REFUNDED', 'CANCELED', 'CANCELLED', 'CANCELLED']] : [];
        events.push({ round, events: ends, expected: [['CANCELLED', null, 'PAYMENT_PENDING', 'CANCELLED'], ...refund] });
      }
    }
    expect(events.map((r) => ({ round: r.round, events: r.events }))).toEqual(events.map((r) => ({ round: r.round, events: r.expected })));
  }, 120_000);

  it('the expiry sweeper racing confirmPayment on the other instance: paid, or expired with nothing charged (one REFUNDED event); stock agrees', async () => {
    const events: Array<{ round: number; events: unknown[]; expected: unknown[] }> = [];
    for (let round = 0; round < 12; round++) {
      const { productId, orderId } = await unpaidOrder(1, 5);
      const auth = authorizeOrder(w.toss, await orderAs(one, w.customer.token, orderId));
      const [confirmVia, sweepOn] = round % 2 ? [one, w.t.app] : [two, w.peer.app];
      const [confirm] = await Promise.all([
        confirmVia.request(ConfirmPaymentDocument, { input: auth }, { token: w.customer.token }),
        sweeperWithoutGrace(sweepOn).expireOverdue(new Date(Date.now() + 3_600_000)),
      ]);
      const { row, toss, ends } = await settledRace(orderId);
      // The confirm either paid the order or was refused with a client error: never a server error.
      if (confirm.errors)
        expect({ round, stable: ['BAD_USER_INPUT', 'CONFLICT', 'PAYMENT_FAILED'].includes(codeOf(confirm) ?? '') }).toEqual({
          round,
          stable: true,
        });
      if (row.status === 'ORDER_COMPLETED') {
        expect({ round, toss: toss?.status, stock: await stockOf(w, productId) }).toEqual({
          round,
          toss: 'DONE',
          stock: { db: 4, guard: 4 },
        });
        events.push({ round, events: ends, expected: [['PAID', 'DONE', 'PAYMENT_PENDING', 'ORDER_COMPLETED']] });
      } else {
        expect({ round, status: row.status, failureCode: row.failureCode, paidAt: row.paidAt }).toEqual({
          round,
          status: 'PAYMENT_FAILED',
          failureCode: 'EXPIRED',
          paidAt: null,
        });
        expect({ round, charged: ['DONE', 'PARTIAL_CANCELED'].includes(toss?.status ?? '') }).toEqual({ round, charged: false });
        expect({ round, stock: await stockOf(w, productId) }).toEqual({ round, stock: { db: 5, guard: 5 } });
        const refund = toss?.status === 'CANCELED' ? [['REFUNDED', 'CANCELED', 'PAYMENT_FAILED', 'PAYMENT_FAILED']] : [];
        events.push({ round, events: ends, expected: [['EXPIRED', null, 'PAYMENT_PENDING', 'PAYMENT_FAILED'], ...refund] });
      }
    }
    expect(events.map((r) => ({ round: r.round, events: r.events }))).toEqual(events.map((r) => ({ round: r.round, events: r.expected })));
  }, 120_000);

  it('cancels and checkouts of the same products on two instances at once: no server error, stock exact in MySQL and the StockGuard', async () => {
    const [p1, p2] = await Promise.all([
      createProduct(one, w.sellerA.token, { name: '경합 1', price: 1000, stock: 100 }),
      createProduct(one, w.sellerB.token, { name: '경합 2', price: 1000, stock: 100 }),
    ]);
    const lines = [
      { productId: p1.id, quantity: 1 },
      { productId: p2.id, quantity: 2 },
    ];
    const toCancel: string[] = [];
    for (let i = 0; i < 6; i++) toCancel.push((await orderProducts(one, w.customer.token, lines)).orderId);
    // The other customer's cart holds both products; unpaid orders leave the cart as it is, so each createOrder takes it again.
    await createOrderWith(two, w.otherCustomer.token, lines);
    const results = await Promise.all([
      ...toCancel.map((orderId, i) => (i % 2 ? one : two).request(CancelOrderDocument, { orderId }, { token: w.customer.token })),
      ...toCancel.map((_, i) => (i % 2 ? two : one).request(CreateOrderDocument, {}, { token: w.otherCustomer.token })),
    ]);
    expect(results.map((r) => codeOf(r) ?? 'OK')).toEqual(results.map(() => 'OK'));
    // Held now: the first createOrder above and the six concurrent ones, each 1 + 2 units.
    expect(await stockOf(w, p1.id)).toEqual({ db: 100 - 7, guard: 100 - 7 });
    expect(await stockOf(w, p2.id)).toEqual({ db: 100 - 14, guard: 100 - 14 });
    for (const orderId of toCancel) {
      const ends = (await eventsOf(orderId)).filter((e) => e.kind !== 'CREATED');
      expect({ orderId, kinds: ends.map((e) => e.kind) }).toEqual({ orderId, kinds: ['CANCELLED'] });
    }
    await sweeperWithoutGrace(w.t.app).expireOverdue(new Date(Date.now() + 3_600_000));
    expect(await stockOf(w, p1.id)).toEqual({ db: 100, guard: 100 });
    expect(await stockOf(w, p2.id)).toEqual({ db: 100, guard: 100 });
  });

  it('a failed confirm ends the order PAYMENT_FAILED once (FAILED, ABORTED), stock back, paidAt and cancelledAt null', async () => {
    const { productId, orderId } = await unpaidOrder(2, 6);
    const view = await orderAs(one, w.customer.token, orderId);
    const auth = authorizeOrder(w.toss, view, 'REJECT_CARD_COMPANY');
    await one.request(ConfirmPaymentDocument, { input: auth }, { token: w.customer.token });
    await w.toss.waitForWebhooks();
    const row = await rowOf(orderId);
    expect(row).toMatchObject({ status: 'PAYMENT_FAILED', paidAt: null, cancelledAt: null, cancelReason: null });
    expect(row.failureCode).toBe('REJECT_CARD_COMPANY');
    const ends = (await eventsOf(orderId)).filter((e) => e.kind !== 'CREATED');
    expect(ends.map(({ at: _at, reason: _r, ...e }) => e)).toEqual([
      { kind: 'FAILED', paymentStatus: 'ABORTED', from: 'PAYMENT_PENDING', to: 'PAYMENT_FAILED' },
    ]);
    expect(await stockOf(w, productId)).toEqual({ db: 6, guard: 6 });
    // A failed order cannot be cancelled afterwards.
    const res = await two.request(CancelOrderDocument, { orderId }, { token: w.customer.token });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(await stockOf(w, productId)).toEqual({ db: 6, guard: 6 });
  });
});

describe('Toss-driven changes and delivery steps', () => {
  it("paidAt is Toss's approvedAt and a merchant-console refund's cancelledAt its canceledAt (KST strings, stored as the same instants)", async () => {
    const order = await threeLineOrder(w);
    const payment = tossPaymentOf(w.toss, order.orderId)!;
    const paid = await orderAs(one, w.customer.token, order.orderId);
    expect(paid.status).toBe('ORDER_COMPLETED');
    const row = await rowOf(order.orderId);
    expect({ api: Date.parse(paid.paidAt!), row: row.paidAt!.getTime() }).toEqual({
      api: Date.parse(payment.approvedAt!),
      row: Date.parse(payment.approvedAt!),
    });
    await merchantCancel(w.toss, order.paymentKey);
    await w.toss.waitForWebhooks();
    const refunded = tossPaymentOf(w.toss, order.orderId)!;
    const canceledAt = Date.parse(refunded.cancels!.at(-1)!.canceledAt);
    const after = await rowOf(order.orderId);
    expect({ status: after.status, cancelledAt: after.cancelledAt?.getTime(), paidAt: after.paidAt!.getTime() }).toEqual({
      status: 'CANCELLED',
      cancelledAt: canceledAt,
      paidAt: Date.parse(payment.approvedAt!),
    });
    expect(Date.parse((await two.ok(OrderDocument, { orderId: order.orderId }, { token: w.customer.token })).order!.cancelledAt!)).toBe(
      canceledAt,
    );
    const ends = (await eventsOf(order.orderId)).filter((e) => e.to === 'CANCELLED');
    expect(ends.map((e) => [e.kind, e.paymentStatus, e.from])).toEqual([['REFUNDED', 'CANCELED', 'ORDER_COMPLETED']]);
    await expectConsistent(w, order);
  });

  it('the admin shipping racing the customer cancel on two instances: shipped and still paid, or cancelled and refunded, never both', async () => {
    for (let round = 0; round < 4; round++) {
      const order = await threeLineOrder(w);
      const [first, second] = round % 2 ? [one, two] : [two, one];
      const [shipRes, cancelRes] = await Promise.all([
        first.request(UpdateOrderStatusDocument, { orderId: order.orderId, status: 'SHIPPING' as never }, { token: w.admin.token }),
        cancelWhole(second, w.customer.token, order.orderId),
      ]);
      await w.toss.waitForWebhooks();
      const row = await rowOf(order.orderId);
      const toss = tossPaymentOf(w.toss, order.orderId)!;
      const kinds = (await eventsOf(order.orderId)).filter((e) => e.kind !== 'CREATED' && e.kind !== 'PAID').map((e) => e.kind);
      if (row.status === 'SHIPPING') {
        expect({ round, toss: toss.status, cancel: codeOf(cancelRes), kinds }).toEqual({
          round,
          toss: 'DONE',
          cancel: codeOf(cancelRes) === 'CONFLICT' ? 'CONFLICT' : 'BAD_USER_INPUT',
          kinds: ['SHIPPING'],
        });
      } else {
        expect({ round, status: row.status, toss: toss.status, ship: won(shipRes), kinds }).toEqual({
          round,
          status: 'CANCELLED',
          toss: 'CANCELED',
          ship: false,
          kinds: ['REFUNDED'],
        });
      }
      await expectConsistent(w, order);
    }
  });

  it('delivery steps: one SHIPPING and one DELIVERED event each, paymentStatus PARTIAL_CANCELED after a partial refund', async () => {
    const order = await threeLineOrder(w);
    expect((await cancelItems(one, w.customer.token, order.orderId, [{ itemId: order.b1.id, quantity: 1 }])).errors).toBeUndefined();
    await w.toss.waitForWebhooks();
    const toShipping = await Promise.all([
      one.request(UpdateOrderStatusDocument, { orderId: order.orderId, status: 'SHIPPING' as never }, { token: w.admin.token }),
      two.request(UpdateOrderStatusDocument, { orderId: order.orderId, status: 'SHIPPING' as never }, { token: w.admin.token }),
    ]);
    expect(toShipping.filter(won).length).toBeGreaterThanOrEqual(1);
    const toDelivered = await Promise.all([
      one.request(UpdateOrderStatusDocument, { orderId: order.orderId, status: 'DELIVERED' as never }, { token: w.admin.token }),
      two.request(UpdateOrderStatusDocument, { orderId: order.orderId, status: 'DELIVERED' as never }, { token: w.admin.token }),
    ]);
    expect(toDelivered.filter(won).length).toBeGreaterThanOrEqual(1);
    const steps = (await eventsOf(order.orderId)).filter((e) => e.to === 'SHIPPING' || e.to === 'DELIVERED');
    expect(steps.map((e) => [e.kind, e.paymentStatus, e.from, e.to])).toEqual([
      ['SHIPPING', 'PARTIAL_CANCELED', 'ORDER_COMPLETED', 'SHIPPING'],
      ['DELIVERED', 'PARTIAL_CANCELED', 'SHIPPING', 'DELIVERED'],
    ]);
    const row = await rowOf(order.orderId);
    expect(row).toMatchObject({ status: 'DELIVERED', cancelledAt: null, failureCode: null, flaggedAt: null });
    // A delivered order cannot be cancelled, with the reason.
    const res = await one.request(CancelOrderDocument, { orderId: order.orderId }, { token: w.customer.token });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0].message).toContain('it has been delivered');
  });

  it("a merchant-console partial refund flags the order once (one FLAGGED event), whatever the webhook's replays", async () => {
    const order = await threeLineOrder(w);
    await merchantCancel(w.toss, order.paymentKey, 1000);
    await w.toss.waitForWebhooks();
    const flag = (await one.ok(OrderFlagDocument, { orderId: order.orderId }, { token: w.admin.token })).order!;
    expect(flag).toMatchObject({ status: 'ORDER_COMPLETED' });
    expect(flag.flaggedAt).not.toBeNull();
    const flagged = (await eventsOf(order.orderId)).filter((e) => e.kind === 'FLAGGED');
    expect(flagged.map((e) => [e.paymentStatus, e.from, e.to])).toEqual([['PARTIAL_CANCELED', 'ORDER_COMPLETED', 'ORDER_COMPLETED']]);
    // The row's flaggedAt and the event's at are the same moment's clock (within the request), on both profiles.
    const row = await rowOf(order.orderId);
    expect(Math.abs(row.flaggedAt!.getTime() - flagged[0].at.getTime())).toBeLessThan(60_000);
    expect(Date.parse(flag.flaggedAt!)).toBe(row.flaggedAt!.getTime());
  });
});

describe('events reach subscribers', () => {
  it('a subscriber on one instance hears each change made on the other exactly once: cancel, failed payment, expiry', async () => {
    const customer = await signUpAs(one, 'CUSTOMER');
    const p = await createProduct(one, w.sellerA.token, { name: '구독 상품', price: 2000, stock: 20 });
    const conn = connectWs(w.t.url, customer.token);
    await conn.opened;
    try {
      const place = async () => (await orderProducts(two, customer.token, [{ productId: p.id, quantity: 1 }])).orderId;
      const cancelled = await place();
      const created = await em().findOneOrFail(OrderStatusChange, { orderCode: cancelled });
      // afterId: the feed replays from the rows after it, so nothing is missed while the subscription registers.
      const events = collect<OrderEventsSubscription['orderEvents']>(conn, print(OrderEventsDocument), 'orderEvents', {
        afterId: String(created.id),
      });
      await two.ok(CancelOrderDocument, { orderId: cancelled }, { token: customer.token });
      const failed = await place();
      const auth = authorizeOrder(w.toss, await orderAs(two, customer.token, failed), 'REJECT_CARD_COMPANY');
      await two.request(ConfirmPaymentDocument, { input: auth }, { token: customer.token });
      await w.toss.waitForWebhooks();
      const expired = await place();
      expect(await sweeperWithoutGrace(w.peer.app).expireOverdue(new Date(Date.now() + 3_600_000))).toBeGreaterThanOrEqual(1);
      // A last change after them all: once its event is here, every earlier one has been delivered.
      const last = await place();
      const got = await events.waitFor(6);
      expect(events.errors).toEqual([]);
      expect(got.map((e) => [e.orderId, e.kind, e.orderStatus, e.paymentStatus])).toEqual([
        [cancelled, 'CANCELLED', 'CANCELLED', null],
        [failed, 'CREATED', 'PAYMENT_PENDING', null],
        [failed, 'FAILED', 'PAYMENT_FAILED', 'ABORTED'],
        [expired, 'CREATED', 'PAYMENT_PENDING', null],
        [expired, 'EXPIRED', 'PAYMENT_FAILED', null],
        [last, 'CREATED', 'PAYMENT_PENDING', null],
      ]);
      // The event's time is the row's, as an instant.
      const rows = await em().find(OrderStatusChange, { id: { $in: got.map((e) => Number(e.id)) } }, { orderBy: { id: 'asc' } });
      expect(got.map((e) => Date.parse(e.at))).toEqual(rows.map((r) => r.at.getTime()));
      events.stop();
    } finally {
      conn.client.dispose();
      // Leaves no unpaid order behind for the other tests.
      await sweeperWithoutGrace(w.t.app).expireOverdue(new Date(Date.now() + 3_600_000));
    }
  });
});
