import { Order } from '../../src/entities';
import {
  CancelOrderDocument,
  MarkShipmentDeliveredDocument,
  PaymentDocument,
  SetOrderShippingAddressDocument,
  ShipmentNotificationsDocument,
  ShippedOrdersDocument,
  UpdateOrderStatusDocument,
} from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { codeOf, type Result } from '../helpers/graphql-client';
import {
  ADDRESS,
  lineStatuses,
  orderAs,
  paidOrderWithTwoSellers,
  ship,
  startShippingWorld,
  TRACKING,
  trackingUrlOf,
  type ShippingWorld,
} from '../helpers/shipping';
import { authorizeOrder } from '../helpers/toss';

let w: ShippingWorld;
beforeAll(async () => {
  w = await startShippingWorld();
});
afterAll(() => w?.close());

const deliver = (token: string, shipmentId: string) => w.t.client.request(MarkShipmentDeliveredDocument, { shipmentId }, { token });
const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((x, y) => Number(x.id) - Number(y.id));
/** Everything a refused call must leave as it was: the order as an admin sees it and the customer's notifications. */
const state = async (orderId: string) => ({
  order: await orderAs(w.t.client, w.admin.token, orderId),
  events: (await w.t.client.ok(ShipmentNotificationsDocument, { first: 50 }, { token: w.customer.token })).notifications.totalCount,
});
const refusal = (res: Result<unknown>) => ({ code: codeOf(res), field: res.errors?.[0]?.extensions?.field });
const expectRefused = (res: Result<unknown>, code: string, field?: string) => expect(refusal(res)).toEqual({ code, field });

describe('shipOrderItems and markShipmentDelivered', () => {
  it("ships a seller's lines with a digits-only tracking number and its page, then delivers them, moving lines and order", async () => {
    const {
      orderId,
      aItemIds: [a1, a2],
      bItemIds: [b1],
    } = await paidOrderWithTwoSellers(w);
    const res = await ship(w.t.client, w.sellerA.token, orderId, [a1], TRACKING.cj);
    expect(res.errors).toBeUndefined();
    const s1 = res.data!.shipOrderItems;
    expect(s1).toEqual({
      id: expect.any(String),
      seller: { id: w.sellerA.id },
      carrier: 'CJ_LOGISTICS',
      trackingNumber: TRACKING.cj.digits,
      trackingUrl: trackingUrlOf('CJ_LOGISTICS', TRACKING.cj.digits),
      status: 'SHIPPING',
      shippedAt: expect.any(String),
      deliveredAt: null,
      items: [{ id: a1, productId: expect.any(String), status: 'SHIPPING', shipmentId: s1.id }],
    });
    expect(s1.trackingUrl).toMatch(/^https:\/\//);
    let order = await orderAs(w.t.client, w.customer.token, orderId);
    expect(order.status).toBe('SHIPPING');
    expect(lineStatuses(order)).toEqual({ [a1]: 'SHIPPING', [a2]: 'ORDER_COMPLETED', [b1]: 'ORDER_COMPLETED' });
    expect(order.shipments).toEqual([s1]);

    const s2 = (await ship(w.t.client, w.sellerA.token, orderId, [a2], TRACKING.hanjin)).data!.shipOrderItems;
    const s3 = (await ship(w.t.client, w.sellerB.token, orderId, [b1], TRACKING.epost)).data!.shipOrderItems;
    expect([s2.trackingNumber, s3.trackingNumber, s3.seller.id]).toEqual([TRACKING.hanjin.digits, TRACKING.epost.digits, w.sellerB.id]);
    order = await orderAs(w.t.client, w.customer.token, orderId);
    expect(order.items.map((i) => [i.id, i.status, i.shipmentId])).toEqual([
      [a1, 'SHIPPING', s1.id],
      [a2, 'SHIPPING', s2.id],
      [b1, 'SHIPPING', s3.id],
    ]);
    expect(byId(order.shipments).map((s) => s.id)).toEqual(byId([s1, s2, s3]).map((s) => s.id));
    // A seller sees only their own shipments.
    expect(byId((await orderAs(w.t.client, w.sellerA.token, orderId)).shipments).map((s) => s.id)).toEqual(byId([s1, s2]).map((s) => s.id));
    expect((await orderAs(w.t.client, w.sellerB.token, orderId)).shipments.map((s) => s.id)).toEqual([s3.id]);

    const d1 = (await deliver(w.sellerA.token, s1.id)).data!.markShipmentDelivered;
    expect(d1).toMatchObject({ id: s1.id, status: 'DELIVERED', deliveredAt: expect.any(String), items: [{ id: a1, status: 'DELIVERED' }] });
    await deliver(w.sellerA.token, s2.id);
    order = await orderAs(w.t.client, w.customer.token, orderId);
    expect([order.status, lineStatuses(order)]).toEqual(['SHIPPING', { [a1]: 'DELIVERED', [a2]: 'DELIVERED', [b1]: 'SHIPPING' }]);
    await deliver(w.sellerB.token, s3.id);
    order = await orderAs(w.t.client, w.customer.token, orderId);
    expect([order.status, lineStatuses(order)]).toEqual(['DELIVERED', { [a1]: 'DELIVERED', [a2]: 'DELIVERED', [b1]: 'DELIVERED' }]);
    expect(order.shipments.every((s) => s.status === 'DELIVERED' && s.deliveredAt)).toBe(true);
  });

  it("answers NOT_FOUND for another seller's lines, unknown items and orders without the seller's lines, changing nothing", async () => {
    const {
      orderId,
      aItemIds: [a1],
      bItemIds: [b1],
    } = await paidOrderWithTwoSellers(w);
    const elsewhere = await paidOrderWithTwoSellers(w);
    const before = await state(orderId);
    const refusals: Array<[TestAccount, string, string[]]> = [
      [w.sellerB, orderId, [a1]],
      [w.sellerB, orderId, [b1, a1]],
      [w.sellerC, orderId, [b1]],
      [w.sellerA, orderId, ['99999999']],
      [w.sellerA, orderId, [elsewhere.aItemIds[0]]],
      [w.sellerA, 'no-such-order', [a1]],
      [w.admin, orderId, ['99999999']],
    ];
    for (const [who, o, items] of refusals) {
      expect({ o, items, ...refusal(await ship(w.t.client, who.token, o, items)) }).toEqual({ o, items, code: 'NOT_FOUND' });
    }
    // An admin may ship any one seller's lines, but not two sellers' lines in one shipment.
    expectRefused(await ship(w.t.client, w.admin.token, orderId, [a1, b1]), 'BAD_USER_INPUT', 'itemIds');
    expect(await state(orderId)).toEqual(before);
    const byAdmin = await ship(w.t.client, w.admin.token, orderId, [b1]);
    expect(byAdmin.data!.shipOrderItems).toMatchObject({ seller: { id: w.sellerB.id }, items: [{ id: b1 }] });
  });

  it('refuses unpaid, cancelled and failed orders and orders without an address (orderId), changing nothing', async () => {
    const unpaid = await paidOrderWithTwoSellers(w, { paid: false });
    const cancelled = await paidOrderWithTwoSellers(w);
    await w.t.client.ok(CancelOrderDocument, { orderId: cancelled.orderId }, { token: w.customer.token });
    const failed = await paidOrderWithTwoSellers(w, { paid: false });
    const auth = authorizeOrder(w.toss, failed.order, 'REJECT_CARD_COMPANY');
    await w.t.client.raw(
      'mutation($i: ConfirmPaymentInput!) { confirmPayment(input: $i) { status } }',
      { i: auth },
      { token: w.customer.token },
    );
    const noAddress = await paidOrderWithTwoSellers(w, { address: false });
    for (const o of [unpaid, cancelled, failed, noAddress]) {
      const before = await state(o.orderId);
      expectRefused(await ship(w.t.client, w.sellerA.token, o.orderId, [o.aItemIds[0]]), 'BAD_USER_INPUT', 'orderId');
      expect(await state(o.orderId)).toEqual(before);
    }
    // Lines of an order that is not paid show the order's status.
    for (const [o, status] of [
      [unpaid, 'PAYMENT_PENDING'],
      [cancelled, 'CANCELLED'],
      [failed, 'PAYMENT_FAILED'],
    ] as const) {
      const order = await orderAs(w.t.client, w.customer.token, o.orderId);
      expect([order.status, ...order.items.map((i) => i.status)]).toEqual(Array(4).fill(status));
    }
    // Once the customer gives an address, the seller can ship.
    await w.t.client.ok(
      SetOrderShippingAddressDocument,
      { orderId: noAddress.orderId, shippingAddress: ADDRESS },
      { token: w.customer.token },
    );
    expect((await ship(w.t.client, w.sellerA.token, noAddress.orderId, noAddress.aItemIds)).errors).toBeUndefined();
  });

  it('refuses an order whose refund is under way (CONFLICT), changing nothing', async () => {
    const { orderId, aItemIds } = await paidOrderWithTwoSellers(w);
    // What a cancelOrder between its claim and Toss's answer leaves on the order.
    await w.t.app.orm.em.fork().nativeUpdate(Order, { orderId }, { refundClaimedAt: new Date() });
    const before = await state(orderId);
    expect(codeOf(await ship(w.t.client, w.sellerA.token, orderId, aItemIds))).toBe('CONFLICT');
    expect(await state(orderId)).toEqual(before);
  });

  it('refuses shipped lines, empty, duplicate or too many itemIds (itemIds) and bad tracking numbers (trackingNumber)', async () => {
    const {
      orderId,
      aItemIds: [a1, a2],
    } = await paidOrderWithTwoSellers(w);
    await ship(w.t.client, w.sellerA.token, orderId, [a1]);
    const before = await state(orderId);
    for (const items of [[a1], [a2, a1], [], [a2, a2], [a2, ...Array.from({ length: 100 }, (_, i) => String(9_000_000 + i))]]) {
      const res = await ship(w.t.client, w.sellerA.token, orderId, items);
      expect({ items: items.length, ...refusal(res) }).toEqual({ items: items.length, code: 'BAD_USER_INPUT', field: 'itemIds' });
    }
    const badNumbers: Array<{ carrier: 'CJ_LOGISTICS' | 'EPOST' | 'ILYANG'; typed: string }> = [
      { carrier: 'CJ_LOGISTICS', typed: '' },
      { carrier: 'CJ_LOGISTICS', typed: '12345' },
      { carrier: 'CJ_LOGISTICS', typed: '60123456789' },
      { carrier: 'CJ_LOGISTICS', typed: '6012-3456-789O' },
      { carrier: 'CJ_LOGISTICS', typed: 'ABCD12345678' },
      { carrier: 'EPOST', typed: TRACKING.cj.typed },
      { carrier: 'ILYANG', typed: '１２３４５６７８９０' },
    ];
    for (const tracking of badNumbers) {
      const res = await ship(w.t.client, w.sellerA.token, orderId, [a2], tracking);
      expect({ tracking, ...refusal(res) }).toEqual({ tracking, code: 'BAD_USER_INPUT', field: 'trackingNumber' });
    }
    // An unknown carrier is not even a value of the enum: GraphQL refuses it before any resolver runs.
    const mutation = (carrier: string) =>
      `mutation($o: String!, $i: [ID!]!, $c: Carrier!) { shipOrderItems(orderId: $o, itemIds: $i, carrier: ${carrier}, trackingNumber: "601234567890") { id } }`;
    const asVariable = await w.t.client.raw(mutation('$c'), { o: orderId, i: [a2], c: 'FEDEX' }, { token: w.sellerA.token });
    const inline = await w.t.client.raw(
      mutation('FEDEX').replace(', $c: Carrier!', ''),
      { o: orderId, i: [a2] },
      { token: w.sellerA.token },
    );
    for (const res of [asVariable, inline]) {
      expect(res.status).toBe(400);
      expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']).toContain(codeOf(res));
    }
    expect(await state(orderId)).toEqual(before);
  });

  it("delivers a shipment once: again is BAD_USER_INPUT (shipmentId), another seller's is NOT_FOUND, an admin may", async () => {
    const { orderId, aItemIds, bItemIds } = await paidOrderWithTwoSellers(w);
    const sA = (await ship(w.t.client, w.sellerA.token, orderId, aItemIds)).data!.shipOrderItems;
    const sB = (await ship(w.t.client, w.sellerB.token, orderId, bItemIds)).data!.shipOrderItems;
    const before = await state(orderId);
    for (const who of [w.sellerB, w.sellerC]) expectRefused(await deliver(who.token, sA.id), 'NOT_FOUND');
    expectRefused(await deliver(w.sellerA.token, '99999999'), 'NOT_FOUND');
    expect(await state(orderId)).toEqual(before);
    expect((await deliver(w.sellerA.token, sA.id)).data!.markShipmentDelivered.status).toBe('DELIVERED');
    const again = await state(orderId);
    expectRefused(await deliver(w.sellerA.token, sA.id), 'BAD_USER_INPUT', 'shipmentId');
    expectRefused(await deliver(w.admin.token, sA.id), 'BAD_USER_INPUT', 'shipmentId');
    expect(await state(orderId)).toEqual(again);
    expect((await deliver(w.admin.token, sB.id)).data!.markShipmentDelivered.status).toBe('DELIVERED');
    expect((await orderAs(w.t.client, w.customer.token, orderId)).status).toBe('DELIVERED');
  });
});

describe("a seller's work queue: orders(status: ORDER_COMPLETED)", () => {
  it("lists paid orders with the seller's lines still to ship, and drops one once they are shipped, while the other seller's wait", async () => {
    const [x, y, buyer] = await Promise.all([
      signUpAs(w.t.client, 'SELLER'),
      signUpAs(w.t.client, 'SELLER'),
      signUpAs(w.t.client, 'CUSTOMER'),
    ]);
    const options = { sellers: [x, y] as [TestAccount, TestAccount], customer: buyer };
    const paid = await paidOrderWithTwoSellers(w, options);
    await paidOrderWithTwoSellers(w, { ...options, paid: false });
    const refunded = await paidOrderWithTwoSellers(w, options);
    await w.t.client.ok(CancelOrderDocument, { orderId: refunded.orderId }, { token: buyer.token });
    const queue = async (seller: TestAccount, status: 'ORDER_COMPLETED' | 'SHIPPING' = 'ORDER_COMPLETED') => {
      const { orders } = await w.t.client.ok(ShippedOrdersDocument, { first: 20, status }, { token: seller.token });
      expect(orders.totalCount).toBe(orders.edges.length);
      return orders.edges.map((e) => [e.node.orderId, e.node.items.map((i) => i.id)]);
    };
    expect(await queue(x)).toEqual([[paid.orderId, paid.aItemIds]]);
    expect(await queue(y)).toEqual([[paid.orderId, paid.bItemIds]]);
    await ship(w.t.client, x.token, paid.orderId, [paid.aItemIds[0]]);
    expect(await queue(x)).toEqual([[paid.orderId, paid.aItemIds]]);
    await ship(w.t.client, x.token, paid.orderId, [paid.aItemIds[1]]);
    expect(await queue(x)).toEqual([]);
    expect(await queue(y)).toEqual([[paid.orderId, paid.bItemIds]]);
    // Other statuses still filter on the order's own status.
    expect(await queue(x, 'SHIPPING')).toEqual([[paid.orderId, paid.aItemIds]]);
    await ship(w.t.client, y.token, paid.orderId, paid.bItemIds);
    expect(await queue(y)).toEqual([]);
  });
});

describe('admin steps and refunds', () => {
  it('updateOrderStatus ships an order without an address: one untracked shipment per seller, then all delivered', async () => {
    const { orderId, aItemIds, bItemIds } = await paidOrderWithTwoSellers(w, { address: false });
    await w.t.client.ok(UpdateOrderStatusDocument, { orderId, status: 'SHIPPING' }, { token: w.admin.token });
    let order = await orderAs(w.t.client, w.admin.token, orderId);
    expect(order.status).toBe('SHIPPING');
    expect(Object.values(lineStatuses(order))).toEqual(['SHIPPING', 'SHIPPING', 'SHIPPING']);
    const shipments = () =>
      order.shipments
        .map((s) => [s.seller.id, s.carrier, s.trackingNumber, s.trackingUrl, s.status, s.items.map((i) => i.id).sort()])
        .sort();
    const untracked = (status: string) =>
      [
        [w.sellerA.id, null, null, null, status, [...aItemIds].sort()],
        [w.sellerB.id, null, null, null, status, bItemIds],
      ].sort();
    expect(shipments()).toEqual(untracked('SHIPPING'));
    await w.t.client.ok(UpdateOrderStatusDocument, { orderId, status: 'DELIVERED' }, { token: w.admin.token });
    order = await orderAs(w.t.client, w.admin.token, orderId);
    expect([order.status, Object.values(lineStatuses(order))]).toEqual(['DELIVERED', ['DELIVERED', 'DELIVERED', 'DELIVERED']]);
    expect(shipments()).toEqual(untracked('DELIVERED'));
    const { notifications } = await w.t.client.ok(ShipmentNotificationsDocument, { first: 20 }, { token: w.customer.token });
    const kinds = notifications.edges.filter((e) => e.node.orderId === orderId).map((e) => [e.node.kind, e.node.carrier]);
    expect(kinds).toEqual([
      ['DELIVERED', null],
      ['SHIPPING', null],
      ['PAID', null],
      ['CREATED', null],
    ]);
  });

  it("after a seller's shipment, DELIVERED from an admin ships what is left untracked and keeps the seller's tracking", async () => {
    const { orderId, aItemIds, bItemIds } = await paidOrderWithTwoSellers(w);
    const sA = (await ship(w.t.client, w.sellerA.token, orderId, aItemIds)).data!.shipOrderItems;
    await w.t.client.ok(UpdateOrderStatusDocument, { orderId, status: 'DELIVERED' }, { token: w.admin.token });
    const order = await orderAs(w.t.client, w.admin.token, orderId);
    expect(order.status).toBe('DELIVERED');
    expect(byId(order.shipments).map((s) => [s.id === sA.id, s.carrier, s.trackingNumber, s.status, s.items.map((i) => i.id)])).toEqual([
      [true, 'CJ_LOGISTICS', TRACKING.cj.digits, 'DELIVERED', aItemIds],
      [false, null, null, 'DELIVERED', bItemIds],
    ]);
  });

  it('cancelOrder is refused once a line has shipped (BAD_USER_INPUT naming orderId) and the payment stays DONE', async () => {
    const { orderId, bItemIds } = await paidOrderWithTwoSellers(w);
    await ship(w.t.client, w.sellerB.token, orderId, bItemIds);
    expectRefused(await w.t.client.request(CancelOrderDocument, { orderId }, { token: w.customer.token }), 'BAD_USER_INPUT', 'orderId');
    expect((await orderAs(w.t.client, w.customer.token, orderId)).status).toBe('SHIPPING');
    expect((await w.t.client.ok(PaymentDocument, { orderId }, { token: w.customer.token })).payment!.status).toBe('DONE');
  });
});
