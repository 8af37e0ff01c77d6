import { print } from 'graphql';
import {
  ConfirmPurchaseDocument,
  MarkShipmentDeliveredDocument,
  ShipmentNotificationsDocument,
  ShipmentOrderEventsDocument,
  ShipmentSellerOrderEventsDocument,
  type ShipmentOrderEventsSubscription,
  type ShipmentSellerOrderEventsSubscription,
} from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { codeOf, type Result } from '../helpers/graphql-client';
import {
  lineStatuses,
  orderAs,
  paidOrderWithTwoSellers,
  ship,
  startShippingWorld,
  TRACKING,
  trackingUrlOf,
  type ShippingWorld,
} from '../helpers/shipping';
import { collect, connectWs, type WsConnection } from '../helpers/ws-client';

type Event = ShipmentOrderEventsSubscription['orderEvents'];
type SellerEvent = ShipmentSellerOrderEventsSubscription['sellerOrderEvents'];

let w: ShippingWorld;
const connections: WsConnection[] = [];
beforeAll(async () => {
  w = await startShippingWorld();
});
afterAll(async () => {
  for (const c of connections) await c.client.dispose();
  await w?.close();
});

const DAY = 24 * 60 * 60 * 1000;
const deliver = async (token: string, shipmentId: string) =>
  (await w.t.client.ok(MarkShipmentDeliveredDocument, { shipmentId }, { token })).markShipmentDelivered;
const confirm = (token: string, orderId: string) => w.t.client.request(ConfirmPurchaseDocument, { orderId }, { token });
const refusal = (res: Result<unknown>) => ({ code: codeOf(res), field: res.errors?.[0]?.extensions?.field });
const shipOk = async (
  token: string,
  orderId: string,
  itemIds: string[],
  tracking: typeof TRACKING.cj | typeof TRACKING.epost = TRACKING.cj,
) => (await ship(w.t.client, token, orderId, itemIds, tracking)).data!.shipOrderItems;
/** The customer's notifications about one order, oldest first. */
async function notificationsOf(customer: TestAccount, orderId: string) {
  const { notifications } = await w.t.client.ok(ShipmentNotificationsDocument, { first: 50 }, { token: customer.token });
  return notifications.edges
    .map((e) => e.node)
    .filter((n) => n.orderId === orderId)
    .reverse();
}
async function subscribe<T>(token: string, query: string, field: string) {
  const conn = connectWs(w.t.url, token);
  connections.push(conn);
  await conn.opened;
  const feed = collect<T>(conn, query, field);
  await new Promise((r) => setTimeout(r, 200)); // let the subscription register
  return feed;
}

describe('confirmPurchase', () => {
  it('confirms every delivered, unconfirmed line of the own order; none left is BAD_USER_INPUT (orderId)', async () => {
    const { orderId, aItemIds, bItemIds } = await paidOrderWithTwoSellers(w);
    expect(refusal(await confirm(w.customer.token, orderId))).toEqual({ code: 'BAD_USER_INPUT', field: 'orderId' });
    const sA = await shipOk(w.sellerA.token, orderId, aItemIds);
    const sB = await shipOk(w.sellerB.token, orderId, bItemIds);
    expect(refusal(await confirm(w.customer.token, orderId))).toEqual({ code: 'BAD_USER_INPUT', field: 'orderId' });
    await deliver(w.sellerA.token, sA.id);
    expect(refusal(await confirm(w.otherCustomer.token, orderId))).toEqual({ code: 'NOT_FOUND', field: undefined });
    expect(refusal(await confirm(w.customer.token, 'no-such-order'))).toEqual({ code: 'NOT_FOUND', field: undefined });

    const confirmed = (await confirm(w.customer.token, orderId)).data!.confirmPurchase;
    expect(confirmed.status).toBe('SHIPPING');
    const [a1, a2, b1] = [...aItemIds, ...bItemIds];
    expect(lineStatuses(confirmed)).toEqual({ [a1]: 'PURCHASE_CONFIRMED', [a2]: 'PURCHASE_CONFIRMED', [b1]: 'SHIPPING' });
    expect(confirmed.items.map((i) => i.purchaseConfirmedAt !== null)).toEqual([true, true, false]);
    expect(refusal(await confirm(w.customer.token, orderId))).toEqual({ code: 'BAD_USER_INPUT', field: 'orderId' });

    await deliver(w.sellerB.token, sB.id);
    const all = (await confirm(w.customer.token, orderId)).data!.confirmPurchase;
    expect([all.status, Object.values(lineStatuses(all))]).toEqual(['DELIVERED', Array(3).fill('PURCHASE_CONFIRMED')]);
    // The first lines keep the time they were confirmed at.
    expect(all.items.slice(0, 2).map((i) => i.purchaseConfirmedAt)).toEqual(confirmed.items.slice(0, 2).map((i) => i.purchaseConfirmedAt));
  });

  it('is refused on an unpaid order (BAD_USER_INPUT naming orderId)', async () => {
    const { orderId } = await paidOrderWithTwoSellers(w, { paid: false });
    expect(refusal(await confirm(w.customer.token, orderId))).toEqual({ code: 'BAD_USER_INPUT', field: 'orderId' });
  });

  it('happens by itself PURCHASE_CONFIRM_DAYS (7) after delivery: lines confirmed once, with one event', async () => {
    const buyer = await signUpAs(w.t.client, 'CUSTOMER');
    const { orderId, aItemIds, bItemIds } = await paidOrderWithTwoSellers(w, { customer: buyer });
    await deliver(w.sellerA.token, (await shipOk(w.sellerA.token, orderId, aItemIds)).id);
    await shipOk(w.sellerB.token, orderId, bItemIds);
    await w.t.app.services.sweeper.confirmDelivered(new Date(Date.now() + DAY));
    expect(Object.values(lineStatuses(await orderAs(w.t.client, buyer.token, orderId)))).toEqual(['DELIVERED', 'DELIVERED', 'SHIPPING']);
    await w.t.app.services.sweeper.confirmDelivered(new Date(Date.now() + 8 * DAY));
    await w.t.app.services.sweeper.confirmDelivered(new Date(Date.now() + 9 * DAY));
    const order = await orderAs(w.t.client, buyer.token, orderId);
    expect(Object.values(lineStatuses(order))).toEqual(['PURCHASE_CONFIRMED', 'PURCHASE_CONFIRMED', 'SHIPPING']);
    expect(order.items.map((i) => i.purchaseConfirmedAt !== null)).toEqual([true, true, false]);
    const kinds = (await notificationsOf(buyer, orderId)).map((n) => n.kind);
    expect(kinds.filter((k) => k === 'PURCHASE_CONFIRMED')).toHaveLength(1);
    expect(kinds.at(-1)).toBe('PURCHASE_CONFIRMED');
  });
});

describe('events', () => {
  it('the customer hears of every shipment step, with carrier and tracking, in notifications and on orderEvents', async () => {
    const buyer = await signUpAs(w.t.client, 'CUSTOMER');
    const live = await subscribe<Event>(buyer.token, print(ShipmentOrderEventsDocument), 'orderEvents');
    const { orderId, aItemIds, bItemIds } = await paidOrderWithTwoSellers(w, { customer: buyer });
    const sA = await shipOk(w.sellerA.token, orderId, aItemIds, TRACKING.cj);
    const sB = await shipOk(w.sellerB.token, orderId, bItemIds, TRACKING.epost);
    await deliver(w.sellerA.token, sA.id);
    await deliver(w.sellerB.token, sB.id);
    await confirm(buyer.token, orderId);

    const cj = {
      carrier: 'CJ_LOGISTICS',
      trackingNumber: TRACKING.cj.digits,
      trackingUrl: trackingUrlOf('CJ_LOGISTICS', TRACKING.cj.digits),
    };
    const epost = { carrier: 'EPOST', trackingNumber: TRACKING.epost.digits, trackingUrl: trackingUrlOf('EPOST', TRACKING.epost.digits) };
    const none = { shipmentId: null, carrier: null, trackingNumber: null, trackingUrl: null };
    const expected = [
      { kind: 'CREATED', orderStatus: 'PAYMENT_PENDING', ...none },
      { kind: 'PAID', orderStatus: 'ORDER_COMPLETED', ...none },
      { kind: 'SHIPPED', orderStatus: 'SHIPPING', shipmentId: sA.id, ...cj },
      { kind: 'SHIPPED', orderStatus: 'SHIPPING', shipmentId: sB.id, ...epost },
      { kind: 'DELIVERED', orderStatus: 'SHIPPING', shipmentId: sA.id, ...cj },
      { kind: 'DELIVERED', orderStatus: 'DELIVERED', shipmentId: sB.id, ...epost },
      { kind: 'PURCHASE_CONFIRMED', orderStatus: 'DELIVERED' },
    ].map((e) => expect.objectContaining({ orderId, ...e }));
    expect(await notificationsOf(buyer, orderId)).toEqual(expected);
    const got = await live.waitFor(expected.length);
    expect(got).toEqual(expected);
    const ids = got.map((e) => Number(e.id));
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    await new Promise((r) => setTimeout(r, 300));
    expect(live.items).toHaveLength(expected.length); // one event per change
  });

  it("a seller's feed carries their own shipment events, not another seller's; a purchase confirmation reaches both", async () => {
    const [x, y, buyer] = await Promise.all([
      signUpAs(w.t.client, 'SELLER'),
      signUpAs(w.t.client, 'SELLER'),
      signUpAs(w.t.client, 'CUSTOMER'),
    ]);
    const query = print(ShipmentSellerOrderEventsDocument);
    const [feedX, feedY] = await Promise.all([
      subscribe<SellerEvent>(x.token, query, 'sellerOrderEvents'),
      subscribe<SellerEvent>(y.token, query, 'sellerOrderEvents'),
    ]);
    const { orderId, aItemIds, bItemIds, order } = await paidOrderWithTwoSellers(w, { customer: buyer, sellers: [x, y] });
    const productsOf = (itemIds: string[]) => order.items.filter((i) => itemIds.includes(i.id)).map((i) => ({ productId: i.productId }));
    const sX = await shipOk(x.token, orderId, aItemIds, TRACKING.cj);
    const sY = await shipOk(y.token, orderId, bItemIds, TRACKING.epost);
    await deliver(x.token, sX.id);
    await confirm(buyer.token, orderId);
    await deliver(y.token, sY.id);

    const view = (e: SellerEvent) => [e.kind, e.shipmentId, e.carrier, e.trackingNumber];
    const gotX = await feedX.waitFor(4);
    expect(gotX.map(view)).toEqual([
      ['PAID', null, null, null],
      ['SHIPPED', sX.id, 'CJ_LOGISTICS', TRACKING.cj.digits],
      ['DELIVERED', sX.id, 'CJ_LOGISTICS', TRACKING.cj.digits],
      ['PURCHASE_CONFIRMED', null, null, null],
    ]);
    const gotY = await feedY.waitFor(4);
    expect(gotY.map(view)).toEqual([
      ['PAID', null, null, null],
      ['SHIPPED', sY.id, 'EPOST', TRACKING.epost.digits],
      ['PURCHASE_CONFIRMED', null, null, null],
      ['DELIVERED', sY.id, 'EPOST', TRACKING.epost.digits],
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect([feedX.items.length, feedY.items.length]).toEqual([4, 4]);
    // Every event shows the seller's own lines only.
    for (const e of feedX.items) expect(e.items).toEqual(productsOf(aItemIds));
    for (const e of feedY.items) expect(e.items).toEqual(productsOf(bItemIds));
    expect(feedX.items.every((e) => e.orderId === orderId) && feedY.items.every((e) => e.orderId === orderId)).toBe(true);
  });
});
