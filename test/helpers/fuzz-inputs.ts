import fc from 'fast-check';
import { Carrier } from '../../src/services/shipping/carriers';
import type { TossSandbox } from '../../toss-sandbox';
import type { TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import type { GraphQLClient } from './graphql-client';
import { deliverOk, paidOrderOf, shipOk, type ShippedOrder } from './shipping';

/** What the input fuzzer draws from: anything a client might send, with the fixtures' real values mixed in. */

/** Anything a client might send where a string is expected. */
export const anyString = fc.oneof(
  fc.string(),
  fc.fullUnicodeString({ maxLength: 300 }),
  fc.constantFrom('', ' ', '\u0000', '1e999', "'; drop table product; --", 'x'.repeat(6000)),
);
/** Anything where an Int is expected, including values GraphQL cannot take. */
export const anyInt = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 2 ** 31, -(2 ** 31) - 1, 100_000_001, 1_000_001),
  fc.double() as fc.Arbitrary<number>,
);
export const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/**
 * A fixture's value, read when drawn (the cases are built when the file loads, before beforeAll
 * has created anything).
 */
export const known = <T>(value: () => T) => fc.constant(null).map(value);
/** Ids: numbers out of range, junk, and the given real ones. */
export const anyIdOr = (...real: Array<() => string>) =>
  fc.oneof(fc.constantFrom('0', '-1', '99999999999', '1.5', 'abc', ''), fc.string({ maxLength: 20 }), ...real.map(known));

export type Case = { name: string; token: () => string; query: string; variables: fc.Arbitrary<Record<string, unknown>> };

const ADDRESS = { recipientName: '홍길동', phone: '010-1234-5678', postcode: '06236', roadAddress: '서울특별시 강남구 테헤란로 152' };
const ADDRESS_FIELDS = ['recipientName', 'phone', 'postcode', 'roadAddress', 'detail', 'memo'] as const;
/** An address input: a good one with one field spoiled (so the check of that field runs), or anything at all. */
export const anyAddress = fc.oneof(
  fc
    .tuple(fc.constantFrom(...ADDRESS_FIELDS), fc.oneof(anyString, fc.constant(null)))
    .map(([field, value]) => ({ ...ADDRESS, [field]: value })),
  fc.record({
    recipientName: anyString,
    phone: fc.oneof(anyString, fc.constantFrom('010-1234-5678', '+82 10 1234 5678', '02-123-4567', '010-1234-5678\u0000')),
    postcode: fc.oneof(anyString, fc.constantFrom('06236', '0623', '062366')),
    roadAddress: anyString,
    detail: maybe(fc.oneof(anyString, fc.constant(null))),
    memo: maybe(fc.oneof(anyString, fc.constant(null))),
  }),
  fc.constant(ADDRESS),
);

/** Tracking numbers: digits of every length around the carriers' (with spaces, hyphens, look-alike digits) and junk. */
const anyTrackingNumber = fc.oneof(
  anyString,
  fc.integer({ min: 1, max: 20 }).map((n) => '1234567890123456789012'.slice(0, n)),
  fc.constantFrom(
    '1234-5678-9012',
    ' 1234 5678 9012 ',
    '-------------',
    '１２３４５６７８９０１２', // full-width digits
    '١٢٣٤٥٦٧٨٩٠١٢', // Arabic-Indic digits
    '123456789012\u0000',
    '+123456789012',
    '1e11',
    '0x1234567890',
    '1'.repeat(10_000),
  ),
);
const anyCarrier = fc.constantFrom(...Object.values(Carrier), 'NOPE', 'cj_logistics', '');
/** A carrier and a tracking number: half of them a number the carrier issues (so the other arguments' checks run), half anything. */
const anyCarrierAndNumber = fc.oneof(
  fc.record({ c: anyCarrier, n: anyTrackingNumber }),
  fc.constantFrom(
    { c: 'CJ_LOGISTICS', n: '1234-5678-9012' },
    { c: 'EPOST', n: '1234567890123' },
    { c: 'LOGEN', n: '123 4567 8901' },
    { c: 'ILYANG', n: '1234567890' },
  ),
);

/** What the shipment cases act on, besides the customer's unpaid order and address book. */
export type ShippingFixtures = {
  /** Paid, with an address and three lines of the seller's, to ship. */
  paid: ShippedOrder;
  /** Paid, a line of the seller's and one of another seller's: an admin may ship either, not both at once. */
  twoSellers: ShippedOrder;
  /** The seller's shipments, not delivered yet. */
  shipmentIds: string[];
  /** An order whose lines are delivered. */
  deliveredOrderId: string;
};

/** Creates the ShippingFixtures: orders of the customer's, paid through the sandbox, shipped and delivered by the seller. */
export async function shippingFixtures(
  client: GraphQLClient,
  toss: TossSandbox,
  customer: TestAccount,
  [seller, otherSeller]: [TestAccount, TestAccount],
): Promise<ShippingFixtures> {
  const [p1, p2, p3, other] = await Promise.all(
    [seller, seller, seller, otherSeller].map((owner) => createProduct(client, owner.token, { stock: 100 })),
  );
  const lines = (...ps: Array<{ id: string }>) => ps.map((p) => ({ productId: p.id, quantity: 1 }));
  const paid = await paidOrderOf(client, toss, customer.token, lines(p1, p2, p3));
  const twoSellers = await paidOrderOf(client, toss, customer.token, lines(p1, other));
  const toShip = await paidOrderOf(client, toss, customer.token, lines(p1, p2));
  const shipmentIds = [];
  for (const item of toShip.items) shipmentIds.push(await shipOk(client, seller.token, toShip.orderId, [item.id]));
  const delivered = await paidOrderOf(client, toss, customer.token, lines(p3));
  await deliverOk(client, seller.token, await shipOk(client, seller.token, delivered.orderId, [delivered.items[0].id]));
  await toss.waitForWebhooks();
  return { paid, twoSellers, shipmentIds, deliveredOrderId: delivered.orderId };
}

/** Issue #15's operations and arguments: orderId, itemIds, carrier, trackingNumber, shipmentId and the address inputs. */
export function shipmentCases(f: {
  customer: () => string;
  seller: () => string;
  admin: () => string;
  /** An unpaid order of the customer's, an address in their book, a product in their cart. */
  orderId: () => string;
  addressId: () => string;
  productId: () => string;
  shipping: () => ShippingFixtures;
}): Case[] {
  const paidOrderId = () => f.shipping().paid.orderId;
  const paidItemIds = () => f.shipping().paid.items.map((i) => i.id);
  const twoSellerOrderId = () => f.shipping().twoSellers.orderId;
  const twoSellerItemIds = () => f.shipping().twoSellers.items.map((i) => i.id);
  const shipmentIds = () => f.shipping().shipmentIds;
  const deliveredOrderId = () => f.shipping().deliveredOrderId;
  const anyOrderId = (...real: Array<() => string>) =>
    fc.oneof(
      { weight: 1, arbitrary: fc.oneof(anyString, fc.constant('no-such-order')) },
      { weight: 2, arbitrary: fc.oneof(...real.map(known)) },
    );
  const itemIdsOf = (items: () => string[]) =>
    fc.oneof(
      fc.array(
        fc.oneof(
          anyIdOr(),
          known(items).chain((ids) => fc.constantFrom(...ids)),
        ),
        { maxLength: 5 },
      ),
      known(items).chain((ids) => fc.subarray(ids, { minLength: 1 })),
      known(items).map((ids) => [ids[0], ids[0]]),
      fc.constant(Array.from({ length: 101 }, (_, i) => String(i + 1))),
    );
  const shipVariables = (orderId: () => string, items: () => string[]) =>
    fc
      .record({ o: anyOrderId(orderId, f.orderId), items: itemIdsOf(items), tracking: anyCarrierAndNumber })
      .map(({ tracking, ...rest }) => ({ ...rest, ...tracking }));
  const SHIP =
    'mutation($o: String!, $items: [ID!]!, $c: Carrier!, $n: String!) { shipOrderItems(orderId: $o, itemIds: $items, carrier: $c, trackingNumber: $n) { id } }';
  return [
    {
      name: 'createOrder with an address',
      token: f.customer,
      query: 'mutation($i: CreateOrderInput) { createOrder(input: $i) { orderId } }',
      variables: fc.record({
        i: fc.record({
          // Mostly the product in the cart (or the whole cart), so that the address is what gets checked.
          productIds: fc.oneof(
            fc.constant(undefined),
            known(f.productId).map((id) => [id]),
            fc.array(anyIdOr(), { maxLength: 3 }),
          ),
          shippingAddressId: maybe(fc.oneof(anyIdOr(f.addressId), fc.constant(null))),
          shippingAddress: maybe(fc.oneof(anyAddress, fc.constant(null))),
        }),
      }),
    },
    {
      name: 'setOrderShippingAddress',
      token: f.customer,
      query:
        'mutation($o: String!, $id: ID, $a: OrderAddressInput) { setOrderShippingAddress(orderId: $o, shippingAddressId: $id, shippingAddress: $a) { orderId } }',
      variables: fc.record({
        o: anyOrderId(f.orderId, paidOrderId, deliveredOrderId),
        id: maybe(fc.oneof(anyIdOr(f.addressId), fc.constant(null))),
        a: maybe(fc.oneof(anyAddress, fc.constant(null))),
      }),
    },
    { name: 'shipOrderItems', token: f.seller, query: SHIP, variables: shipVariables(paidOrderId, paidItemIds) },
    { name: 'shipOrderItems as an admin', token: f.admin, query: SHIP, variables: shipVariables(twoSellerOrderId, twoSellerItemIds) },
    {
      name: 'markShipmentDelivered',
      token: f.seller,
      query: 'mutation($s: ID!) { markShipmentDelivered(shipmentId: $s) { id } }',
      variables: fc.record({
        s: fc.oneof(
          anyIdOr(),
          known(shipmentIds).chain((ids) => fc.constantFrom(...ids)),
        ),
      }),
    },
    {
      name: 'confirmPurchase',
      token: f.customer,
      query: 'mutation($o: String!) { confirmPurchase(orderId: $o) { orderId } }',
      variables: fc.record({ o: anyOrderId(deliveredOrderId, paidOrderId, f.orderId) }),
    },
  ];
}
