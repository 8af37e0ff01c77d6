import type { TossSandbox } from '../../toss-sandbox';
import { CARRIERS, Carrier } from '../../src/services/shipping/carriers';
import {
  AddToCartDocument,
  ClearCartDocument,
  ConfirmPaymentDocument,
  CreateShippedOrderDocument,
  MarkShipmentDeliveredDocument,
  ShipOrderItemsDocument,
  ShippedOrderDocument,
  type CreateOrderInput,
  type OrderAddressInput,
  type ShippedOrderFieldsFragment,
} from '../generated/graphql';
import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import type { GraphQLClient, Result } from './graphql-client';
import type { TestApp } from './test-app';
import { authorizeOrder, startAppWithToss } from './toss';

export type ShippedOrder = ShippedOrderFieldsFragment;

/** An address as a customer types it at checkout (the phone with hyphens: stored as digits). */
export const ADDRESS: OrderAddressInput = {
  recipientName: '홍길동',
  phone: '010-1234-5678',
  postcode: '06236',
  roadAddress: '서울특별시 강남구 테헤란로 152',
  detail: '101동 1001호',
  memo: '문 앞에 놓아주세요',
};
/** ADDRESS as an order keeps it. */
export const ADDRESS_STORED = { ...ADDRESS, phone: '01012345678' };

/** A valid tracking number per carrier, as a seller might type it (with hyphens or spaces), and its digits. */
export const TRACKING = {
  cj: { carrier: 'CJ_LOGISTICS', typed: '6012-3456-7890', digits: '601234567890' },
  hanjin: { carrier: 'HANJIN', typed: '4012 3456 7890 12', digits: '40123456789012' },
  epost: { carrier: 'EPOST', typed: '6865-0123-45678', digits: '6865012345678' },
} as const;
/** The carrier's public tracking page for a stored (digits-only) number. */
export const trackingUrlOf = (carrier: keyof typeof Carrier, digits: string) => CARRIERS[Carrier[carrier]].trackingUrl(digits);

/** An app with the Toss sandbox and the accounts every shipping test needs. */
export type ShippingWorld = {
  t: TestApp;
  toss: TossSandbox;
  admin: TestAccount;
  sellerA: TestAccount;
  sellerB: TestAccount;
  /** A seller with no line in the fixtures' orders. */
  sellerC: TestAccount;
  customer: TestAccount;
  otherCustomer: TestAccount;
  close(): Promise<void>;
};

export async function startShippingWorld(
  env: Record<string, string> = {},
  options: Parameters<typeof startAppWithToss>[1] = {},
): Promise<ShippingWorld> {
  const { t, toss, close } = await startAppWithToss({ ADMIN_INVITE_CODE: TEST_INVITE_CODE, ...env }, options);
  const [admin, sellerA, sellerB, sellerC, customer, otherCustomer] = await Promise.all([
    signUpAs(t.client, 'ADMIN'),
    signUpAs(t.client, 'SELLER', '판매자 A'),
    signUpAs(t.client, 'SELLER', '판매자 B'),
    signUpAs(t.client, 'SELLER', '판매자 C'),
    signUpAs(t.client, 'CUSTOMER'),
    signUpAs(t.client, 'CUSTOMER'),
  ]);
  return { t, toss, admin, sellerA, sellerB, sellerC, customer, otherCustomer, close };
}

/** The shipping world with a second app instance on the same database and Redis, for races (on the embedded profile, the same app). */
export type TwoInstanceWorld = ShippingWorld & {
  peer: Awaited<ReturnType<TestApp['startPeer']>>;
  /** A client of each instance. */
  one: GraphQLClient;
  two: GraphQLClient;
};

export async function startTwoInstanceWorld(): Promise<TwoInstanceWorld> {
  const w = await startShippingWorld();
  const peer = await w.t.startPeer();
  return {
    ...w,
    peer,
    one: w.t.client,
    two: peer.client,
    async close() {
      await peer.close();
      await w.close();
    },
  };
}

/** Puts exactly these lines in the customer's cart and calls createOrder with `input` (the raw result). */
export async function createOrderWith(
  client: GraphQLClient,
  token: string,
  lines: Array<{ productId: string; quantity: number }>,
  input: CreateOrderInput = {},
): Promise<Result<{ createOrder: ShippedOrder }>> {
  await client.ok(ClearCartDocument, {}, { token });
  for (const { productId, quantity } of lines) await client.ok(AddToCartDocument, { productId, quantity }, { token });
  return client.request(CreateShippedOrderDocument, { input }, { token });
}

/** Pays an order the real way: the sandbox's payment window, then confirmPayment. */
export async function payOrder(client: GraphQLClient, toss: TossSandbox, token: string, orderId: string): Promise<void> {
  const order = await orderAs(client, token, orderId);
  const auth = authorizeOrder(toss, order);
  await client.ok(ConfirmPaymentDocument, { input: auth }, { token });
}

export type TwoSellerOrder = {
  orderId: string;
  /** Seller A's two lines and seller B's one line, by item id. */
  aItemIds: [string, string];
  bItemIds: [string];
  order: ShippedOrder;
};

/**
 * An order of the world's customer holding two lines of seller A and one of seller B, with an
 * inline address unless `address: false`, paid unless `paid: false`.
 */
export async function paidOrderWithTwoSellers(
  w: ShippingWorld,
  options: { address?: boolean; paid?: boolean; customer?: TestAccount; sellers?: [TestAccount, TestAccount] } = {},
): Promise<TwoSellerOrder> {
  const { t, toss } = w;
  const customer = options.customer ?? w.customer;
  const [a, b] = options.sellers ?? [w.sellerA, w.sellerB];
  const [a1, a2, b1] = await Promise.all([
    createProduct(t.client, a.token, { name: 'A 김치', price: 12000, stock: 50 }),
    createProduct(t.client, a.token, { name: 'A 된장', price: 5000, stock: 50 }),
    createProduct(t.client, b.token, { name: 'B 고추장', price: 7000, stock: 50 }),
  ]);
  const lines = [a1, a2, b1].map((p) => ({ productId: p.id, quantity: 1 }));
  const created = await createOrderWith(t.client, customer.token, lines, options.address === false ? {} : { shippingAddress: ADDRESS });
  if (created.errors) throw new Error(`createOrder failed: ${JSON.stringify(created.errors)}`);
  const { orderId } = created.data!.createOrder;
  if (options.paid !== false) await payOrder(t.client, toss, customer.token, orderId);
  const order = await orderAs(t.client, customer.token, orderId);
  const itemOf = (productId: string) => order.items.find((i) => i.productId === productId)!.id;
  return { orderId, aItemIds: [itemOf(a1.id), itemOf(a2.id)], bItemIds: [itemOf(b1.id)], order };
}

/** These lines ordered with ADDRESS and paid, by the customer holding `token`: an order to ship, as they see it. */
export async function paidOrderOf(
  client: GraphQLClient,
  toss: TossSandbox,
  token: string,
  lines: Array<{ productId: string; quantity: number }>,
): Promise<ShippedOrder> {
  const created = await createOrderWith(client, token, lines, { shippingAddress: ADDRESS });
  if (created.errors) throw new Error(`createOrder failed: ${JSON.stringify(created.errors)}`);
  await payOrder(client, toss, token, created.data!.createOrder.orderId);
  return orderAs(client, token, created.data!.createOrder.orderId);
}

/** Ships items (as their seller or an admin) with a CJ대한통운 number, which must succeed: the shipment's id. */
export async function shipOk(client: GraphQLClient, token: string, orderId: string, itemIds: string[]): Promise<string> {
  const res = await ship(client, token, orderId, itemIds);
  if (res.errors || !res.data) throw new Error(`shipOrderItems failed: ${JSON.stringify(res.errors)}`);
  return res.data.shipOrderItems.id;
}

/** Marks a shipment delivered (as its seller or an admin), which must succeed. */
export async function deliverOk(client: GraphQLClient, token: string, shipmentId: string): Promise<void> {
  await client.ok(MarkShipmentDeliveredDocument, { shipmentId }, { token });
}

/** The order as the holder of `token` sees it. */
export async function orderAs(client: GraphQLClient, token: string, orderId: string): Promise<ShippedOrder> {
  const { order } = await client.ok(ShippedOrderDocument, { orderId }, { token });
  return order!;
}

/** Ships items with a CJ대한통운 number unless told otherwise; the raw result. */
export function ship(
  client: GraphQLClient,
  token: string,
  orderId: string,
  itemIds: string[],
  tracking: { carrier: keyof typeof Carrier; typed: string } = TRACKING.cj,
) {
  return client.request(ShipOrderItemsDocument, { orderId, itemIds, carrier: tracking.carrier, trackingNumber: tracking.typed }, { token });
}

/** Each line's status by item id. */
export const lineStatuses = (order: ShippedOrder) => Object.fromEntries(order.items.map((i) => [i.id, i.status]));
