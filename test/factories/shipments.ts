import type { TossSandbox } from '../../toss-sandbox';
import type { GraphQLClient, Result } from '../helpers/graphql-client';
import { TOSS_CLIENT_KEY } from '../helpers/toss';

/**
 * Paid orders, shipments and deliveries for tests that need one as a fixture (the authorization
 * matrix, the fuzzer, the interleaving test). Raw documents, so that these files declare no named
 * operation of their own in test/operations (the shipment tests own those).
 */
export const ORDER_ADDRESS = {
  recipientName: '홍길동',
  phone: '010-1234-5678',
  postcode: '06236',
  roadAddress: '서울특별시 강남구 테헤란로 152',
  detail: '10층',
};
/** A tracking number CJ Logistics issues (12 digits). */
export const CJ_TRACKING = '1234-5678-9012';

export const CREATE_ORDER = 'mutation($i: CreateOrderInput) { createOrder(input: $i) { orderId orderName totalAmount } }';
export const SET_ORDER_SHIPPING_ADDRESS =
  'mutation($o: String!, $id: ID, $a: OrderAddressInput) { setOrderShippingAddress(orderId: $o, shippingAddressId: $id, shippingAddress: $a) { orderId } }';
export const SHIP_ORDER_ITEMS =
  'mutation($o: String!, $items: [ID!]!, $c: Carrier!, $n: String!) { shipOrderItems(orderId: $o, itemIds: $items, carrier: $c, trackingNumber: $n) { id } }';
export const MARK_SHIPMENT_DELIVERED = 'mutation($s: ID!) { markShipmentDelivered(shipmentId: $s) { id status } }';
export const CONFIRM_PURCHASE = 'mutation($o: String!) { confirmPurchase(orderId: $o) { orderId } }';
const CONFIRM_PAYMENT = 'mutation($i: ConfirmPaymentInput!) { confirmPayment(input: $i) { orderId } }';
const ORDER_ITEMS = 'query($o: String!) { order(orderId: $o) { items { id productId } } }';

export type OrderedItem = { id: string; productId: string };
export type PaidOrder = { orderId: string; items: OrderedItem[] };

async function ok<R>(what: string, res: Promise<Result<R>>): Promise<R> {
  const { data, errors } = await res;
  if (errors?.length || !data) throw new Error(`${what} failed: ${JSON.stringify(errors)}`);
  return data;
}

/** Puts exactly these lines in the cart and orders them, with an address given inline (none with `address: null`). */
export async function orderWithAddress(
  client: GraphQLClient,
  customerToken: string,
  lines: Array<{ productId: string; quantity: number }>,
  address: typeof ORDER_ADDRESS | null = ORDER_ADDRESS,
): Promise<{ orderId: string; orderName: string; totalAmount: number }> {
  const token = { token: customerToken };
  await ok('clearCart', client.raw('mutation { clearCart { totalAmount } }', {}, token));
  for (const l of lines) {
    const add = 'mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { totalAmount } }';
    await ok('addToCart', client.raw(add, { p: l.productId, q: l.quantity }, token));
  }
  const input = address ? { shippingAddress: address } : {};
  type Created = { createOrder: { orderId: string; orderName: string; totalAmount: number } };
  return (await ok('createOrder', client.raw<Created>(CREATE_ORDER, { i: input }, token))).createOrder;
}

/** Pays an order the real way: the sandbox's payment window authorizes it, then confirmPayment. */
export async function payOrder(
  client: GraphQLClient,
  toss: TossSandbox,
  customerToken: string,
  order: { orderId: string; orderName: string; totalAmount: number },
): Promise<void> {
  const input = toss.authorize({
    clientKey: TOSS_CLIENT_KEY,
    orderId: order.orderId,
    orderName: order.orderName,
    amount: order.totalAmount,
  });
  await ok('confirmPayment', client.raw(CONFIRM_PAYMENT, { i: input }, { token: customerToken }));
}

/** An order of these lines, with an address, paid: ready to ship. Its lines as the customer sees them. */
export async function paidOrder(
  client: GraphQLClient,
  toss: TossSandbox,
  customerToken: string,
  lines: Array<{ productId: string; quantity: number }>,
): Promise<PaidOrder> {
  const order = await orderWithAddress(client, customerToken, lines);
  await payOrder(client, toss, customerToken, order);
  type Items = { order: { items: OrderedItem[] } };
  const { order: read } = await ok('order', client.raw<Items>(ORDER_ITEMS, { o: order.orderId }, { token: customerToken }));
  return { orderId: order.orderId, items: read.items };
}

/** Ships these lines (as their seller or an admin) with CJ Logistics; the shipment's id. */
export async function shipItems(client: GraphQLClient, token: string, orderId: string, itemIds: string[]): Promise<string> {
  type Shipped = { shipOrderItems: { id: string } };
  const vars = { o: orderId, items: itemIds, c: 'CJ_LOGISTICS', n: CJ_TRACKING };
  return (await ok('shipOrderItems', client.raw<Shipped>(SHIP_ORDER_ITEMS, vars, { token }))).shipOrderItems.id;
}

/** Marks a shipment delivered (as its seller or an admin). */
export async function deliverShipment(client: GraphQLClient, token: string, shipmentId: string): Promise<void> {
  await ok('markShipmentDelivered', client.raw(MARK_SHIPMENT_DELIVERED, { s: shipmentId }, { token }));
}
