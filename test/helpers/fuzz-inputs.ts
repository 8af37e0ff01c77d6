import fc from 'fast-check';
import { Carrier } from '../../src/services/shipping/carriers';

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

export type ShipmentFixtures = {
  customer: () => string;
  seller: () => string;
  admin: () => string;
  /** An unpaid order of the customer's. */
  orderId: () => string;
  /** A paid order of the customer's, with an address and three lines of the seller's, to ship. */
  paidOrderId: () => string;
  paidItemIds: () => string[];
  /** A paid order holding a line of the seller's and one of another seller's: an admin may ship either, not both at once. */
  twoSellerOrderId: () => string;
  twoSellerItemIds: () => string[];
  /** The seller's shipments (not delivered yet), and an order of the customer's whose lines are delivered. */
  shipmentIds: () => string[];
  deliveredOrderId: () => string;
  addressId: () => string;
  /** A product in the customer's cart. */
  productId: () => string;
};

/** Issue #15's operations and arguments: orderId, itemIds, carrier, trackingNumber, shipmentId and the address inputs. */
export function shipmentCases(f: ShipmentFixtures): Case[] {
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
        o: anyOrderId(f.orderId, f.paidOrderId, f.deliveredOrderId),
        id: maybe(fc.oneof(anyIdOr(f.addressId), fc.constant(null))),
        a: maybe(fc.oneof(anyAddress, fc.constant(null))),
      }),
    },
    { name: 'shipOrderItems', token: f.seller, query: SHIP, variables: shipVariables(f.paidOrderId, f.paidItemIds) },
    { name: 'shipOrderItems as an admin', token: f.admin, query: SHIP, variables: shipVariables(f.twoSellerOrderId, f.twoSellerItemIds) },
    {
      name: 'markShipmentDelivered',
      token: f.seller,
      query: 'mutation($s: ID!) { markShipmentDelivered(shipmentId: $s) { id } }',
      variables: fc.record({
        s: fc.oneof(
          anyIdOr(),
          known(f.shipmentIds).chain((ids) => fc.constantFrom(...ids)),
        ),
      }),
    },
    // KNOWN FAILURE on the embedded profile (since "Shipments core", 9763c02; reported, src left as it is): a
    // refused confirmPurchase ("Nothing to confirm") still writes the order row. lockOrder loads the Order
    // entity; on SQLite MikroORM sees its datetime columns (written by checkout's plain SQL) as changed, so the
    // transaction's flush runs `update customer_order set expires_at, ordered_at, updated_at`, and the refusal
    // is thrown only after that commit. The production profile passes.
    {
      name: 'confirmPurchase',
      token: f.customer,
      query: 'mutation($o: String!) { confirmPurchase(orderId: $o) { orderId } }',
      variables: fc.record({ o: anyOrderId(f.deliveredOrderId, f.paidOrderId, f.orderId) }),
    },
  ];
}
