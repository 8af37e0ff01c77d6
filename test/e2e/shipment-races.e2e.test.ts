import { CancelOrderDocument, PaymentDocument, ShipmentNotificationsDocument } from '../generated/graphql';
import { signUpAs } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { codeOf, type GraphQLClient, type Result } from '../helpers/graphql-client';
import {
  ADDRESS,
  createOrderWith,
  orderAs,
  paidOrderWithTwoSellers,
  payOrder,
  ship,
  startTwoInstanceWorld,
  type TwoInstanceWorld,
} from '../helpers/shipping';

/**
 * Racing calls on the same order. On the production profile they go through two app instances
 * on one database and Redis (startPeer); the embedded profile is one process, so there both
 * "instances" are the same app.
 */
let w: TwoInstanceWorld;
let peer: TwoInstanceWorld['peer'];
let one: GraphQLClient, two: GraphQLClient;
beforeAll(async () => {
  w = await startTwoInstanceWorld();
  ({ peer, one, two } = w);
}, 60_000);
afterAll(() => w?.close());

/** A refusal the loser of a race may get: a stable answer a client can show, never an internal error. */
const STABLE = ['BAD_USER_INPUT', 'CONFLICT'];
const won = (res: Result<unknown>) => !res.errors?.length && res.data != null;
const shippedCount = async (orderId: string) =>
  (await w.t.client.ok(ShipmentNotificationsDocument, { first: 50 }, { token: w.customer.token })).notifications.edges.filter(
    (e) => e.node.orderId === orderId && e.node.kind === 'SHIPPED',
  ).length;

it('two sellers shipping their own lines of one order at once both succeed: two shipments, two SHIPPED events', async () => {
  for (let round = 0; round < 5; round++) {
    const { orderId, aItemIds, bItemIds } = await paidOrderWithTwoSellers(w);
    const [a, b] = await Promise.all([ship(one, w.sellerA.token, orderId, aItemIds), ship(two, w.sellerB.token, orderId, bItemIds)]);
    expect({ round, a: a.errors, b: b.errors }).toEqual({ round, a: undefined, b: undefined });
    const order = await orderAs(w.t.client, w.admin.token, orderId);
    expect(order.status).toBe('SHIPPING');
    expect(order.shipments).toHaveLength(2);
    expect(order.items.every((i) => i.status === 'SHIPPING' && i.shipmentId !== null)).toBe(true);
    expect(await shippedCount(orderId)).toBe(2);
  }
});

it('the same lines shipped twice at once: exactly one shipment, the other call refused with a stable code', async () => {
  for (let round = 0; round < 8; round++) {
    const { orderId, aItemIds } = await paidOrderWithTwoSellers(w);
    // The seller twice (two instances), and an admin shipping one of the same lines.
    const results = await Promise.all([
      ship(one, w.sellerA.token, orderId, aItemIds),
      ship(two, w.sellerA.token, orderId, aItemIds),
      ship(round % 2 ? one : two, w.admin.token, orderId, [aItemIds[round % 2]]),
    ]);
    const winners = results.filter(won);
    expect({ round, winners: winners.length }).toEqual({ round, winners: 1 });
    for (const loser of results.filter((r) => !won(r))) {
      const code = codeOf(loser);
      expect({ round, code, stable: STABLE.includes(code ?? '') }).toEqual({ round, code, stable: true });
    }
    const order = await orderAs(w.t.client, w.admin.token, orderId);
    expect(order.shipments).toHaveLength(1);
    expect(await shippedCount(orderId)).toBe(1);
  }
});

// The refund's claim may be InnoDB's deadlock victim here (it reaches the row through the status
// index while the shipment holds the row and waits for that index entry): it is retried
// (PaymentRefunds.claim), so the loser still answers a stable code. Do not add INTERNAL_SERVER_ERROR to STABLE.
it("a seller's shipment racing the customer's cancel of a paid order: exactly one wins, and money and goods agree", async () => {
  const product = await createProduct(w.t.client, w.sellerA.token, { stock: 1000 });
  const outcomes = { shipped: 0, cancelled: 0, neither: 0 };
  for (let round = 0; round < 16; round++) {
    const customer = await signUpAs(w.t.client, 'CUSTOMER');
    const created = await createOrderWith(w.t.client, customer.token, [{ productId: product.id, quantity: 1 }], {
      shippingAddress: ADDRESS,
    });
    const { orderId, items } = created.data!.createOrder;
    await payOrder(w.t.client, w.toss, customer.token, orderId);
    // Alternate which call leaves first and through which instance.
    const [shipVia, cancelVia] = round % 2 ? [one, two] : [two, one];
    const shipCall = () => ship(shipVia, w.sellerA.token, orderId, [items[0].id]);
    const cancelCall = () => cancelVia.request(CancelOrderDocument, { orderId }, { token: customer.token });
    const [shipped, cancelled] =
      round % 4 < 2 ? await Promise.all([shipCall(), cancelCall()]) : (await Promise.all([cancelCall(), shipCall()])).reverse();
    const order = await orderAs(w.t.client, w.admin.token, orderId);
    const payment = (await w.t.client.ok(PaymentDocument, { orderId }, { token: customer.token })).payment!;
    const seen = {
      round,
      shipWon: won(shipped),
      cancelWon: won(cancelled),
      status: order.status,
      payment: payment.status,
      toss: w.toss
        .payments()
        .filter((p) => p.orderId === orderId)
        .map((p) => p.status),
      shipments: order.shipments.length,
    };
    for (const [call, res] of [
      ['shipOrderItems', shipped],
      ['cancelOrder', cancelled],
    ] as const) {
      if (won(res)) continue;
      const code = codeOf(res);
      expect({ round, call, code, stable: STABLE.includes(code ?? '') }).toEqual({ round, call, code, stable: true });
    }
    if (seen.shipWon && seen.cancelWon) throw new Error(`both won: ${JSON.stringify(seen)}`);
    if (seen.shipWon) {
      expect(seen).toEqual({ ...seen, status: 'SHIPPING', payment: 'DONE', toss: ['DONE'], shipments: 1 });
      outcomes.shipped++;
    } else if (seen.cancelWon) {
      expect(seen).toEqual({ ...seen, status: 'CANCELLED', payment: 'CANCELED', toss: ['CANCELED'], shipments: 0 });
      expect(order.items[0].shipmentId).toBeNull();
      outcomes.cancelled++;
    } else {
      // Neither: both refused with a stable code (checked above), and the order is as it was.
      expect(seen).toEqual({ ...seen, status: 'ORDER_COMPLETED', payment: 'DONE', toss: ['DONE'], shipments: 0 });
      outcomes.neither++;
    }
  }
  // Report how the rounds went (useful when the timing changes); every round ended in one of the three states.
  expect(outcomes.shipped + outcomes.cancelled + outcomes.neither).toBe(16);
}, 120_000);
