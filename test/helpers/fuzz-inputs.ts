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

export type Case = {
  name: string;
  token: () => string;
  query: string;
  variables: fc.Arbitrary<Record<string, unknown>>;
  /** Codes this case must never answer (e.g. PAYMENT_FAILED: with no Toss fault set, Toss refusing means the server let bad input through). */
  never?: string[];
  /** The only codes this case may answer, when the list is known (e.g. a query's: BAD_USER_INPUT, NOT_FOUND). */
  codes?: string[];
  /** Checks the data of a call that succeeded (e.g. a listing never shows a hidden product). */
  accept?: (data: unknown) => void;
};

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

/** What the partial-refund and settlement cases act on (issue #16). */
export type RefundFixtures = {
  /** Paid, the customer's: two lines of the seller's and one of another seller's, several units each, none shipped. */
  cancellable: ShippedOrder;
  /** Ids of accounts: the seller's, another seller's, the customer's, the admin's. */
  sellerId: string;
  otherSellerId: string;
  customerId: string;
  adminId: string;
};

/** Creates the RefundFixtures: an order the customer and the seller may partially cancel, many times over. */
export async function refundFixtures(
  client: GraphQLClient,
  toss: TossSandbox,
  customer: TestAccount,
  [seller, otherSeller]: [TestAccount, TestAccount],
  admin: TestAccount,
): Promise<RefundFixtures> {
  const [p1, p2, other] = await Promise.all(
    [seller, seller, otherSeller].map((owner) => createProduct(client, owner.token, { price: 1000, stock: 100 })),
  );
  const cancellable = await paidOrderOf(
    client,
    toss,
    customer.token,
    [p1, p2, other].map((p) => ({ productId: p.id, quantity: 20 })),
  );
  return { cancellable, sellerId: seller.id, otherSellerId: otherSeller.id, customerId: customer.id, adminId: admin.id };
}

/** Quantities: the usual Int junk, and the edges of a line's units (0, 1, what is left, past it). */
const anyQuantity = fc.oneof(anyInt, fc.constantFrom(0, -1, 1, 2, 20, 21, 1.5, 2 ** 31 - 1, Number.MAX_SAFE_INTEGER, -0));
/** A cancel reason: anything, and the edges of its 200 characters. */
const anyReason = maybe(
  fc.oneof(
    anyString,
    fc.constantFrom(null, '', '\u0000', 'a\u0000b', 'x'.repeat(200), 'x'.repeat(201), '가'.repeat(200), '😀'.repeat(150), ' '.repeat(300)),
  ),
);
const iso = (ms: number) => new Date(ms).toISOString();
/** DateTime inputs: around now, the edges of what is allowed (1970, 9999), and things that are not times. */
const anyDateTime = fc.oneof(
  fc.integer({ min: -400, max: 400 }).map((days) => iso(Date.now() + days * 86_400_000)),
  fc.constantFrom(
    '1970-01-01T00:00:00.000Z',
    '1969-12-31T23:59:59.999Z',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    '+010000-01-01T00:00:00.000Z',
    '+275760-09-13T00:00:00.000Z',
    '-271821-04-20T00:00:00.000Z',
    '2026-02-30T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-01-01',
    '2026-01-01T00:00:00',
    '2026-01-01T00:00:00+09:00',
    'now',
    'NaN',
    '',
    '\u0000',
  ),
  fc.integer().map((n) => n as unknown as string),
  fc.double().map((n) => n as unknown as string),
  anyString,
);
/** A period: any two DateTimes, reversed ones, exactly 366 days, one millisecond more, empty, centuries apart. */
const anyPeriod = fc.oneof(
  fc.record({ from: anyDateTime, to: anyDateTime }),
  fc.integer({ min: 0, max: 1000 * 86_400_000 }).map((span) => ({ from: iso(Date.now() - span), to: iso(Date.now()) })),
  fc.integer({ min: 1, max: 1000 * 86_400_000 }).map((span) => ({ from: iso(Date.now()), to: iso(Date.now() - span) })),
  fc.constantFrom(
    { from: '2025-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' },
    { from: '2025-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.001Z' },
    { from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' },
    { from: '1970-01-01T00:00:00.000Z', to: '9999-12-31T23:59:59.999Z' },
    { from: '9999-01-01T00:00:00.000Z', to: '9999-12-31T23:59:59.999Z' },
    { from: '1970-01-01T00:00:00.000Z', to: '1970-12-31T00:00:00.000Z' },
  ),
);
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** Cursors: junk, and well-formed ones of this list or another with values at and past the edges. */
export const anyCursor = (sort: string) =>
  maybe(
    fc.oneof(
      anyString,
      fc.constantFrom(
        null,
        '',
        b64('[]'),
        b64('not json'),
        b64([sort, 0, 1]),
        b64([sort, 0, 0]),
        b64([sort, 0, -1]),
        b64([sort, 0, 1.5]),
        b64([sort, 0, 2 ** 53]),
        b64([sort, Date.now(), 1]),
        b64([sort, 8.64e15, 1]),
        b64([sort, -8.64e15, 1]),
        b64([sort, 8.64e15 + 1, 1]),
        b64([sort, 253402300800000, 1]), // year 10000
        b64([sort, -62135596800000, 1]), // year 1
        b64([sort, '2026-01-01', 1]),
        b64([sort, null, 1]),
        b64([sort, 0, '1']),
        b64(['NEWEST', 0, 1]),
        b64({ sort, value: 0, id: 1 }),
        b64([sort, 0, 1, 2]),
        'x'.repeat(3000),
      ),
      fc
        .tuple(
          fc.constantFrom(sort, 'SETTLEMENT', 'PAYOUTS'),
          fc.oneof(fc.integer(), fc.double(), fc.string()),
          fc.oneof(fc.integer(), fc.double()),
        )
        .map(b64),
    ),
  );
/** The page size: the usual Int junk and the edges of 1..20. */
export const anyFirst = maybe(fc.oneof(anyInt, fc.constantFrom(null, 0, 1, 20, 21, -1)));

/** Issue #16's operations: cancelOrderItems (customer, seller), sellerSettlements and sellerPayouts (seller, admin), recordSellerPayout (admin). */
export function refundAndSettlementCases(f: {
  customer: () => string;
  seller: () => string;
  admin: () => string;
  /** An unpaid order of the customer's. */
  orderId: () => string;
  shipping: () => ShippingFixtures;
  refunds: () => RefundFixtures;
}): Case[] {
  const cancellableId = () => f.refunds().cancellable.orderId;
  const cancellableItems = () => f.refunds().cancellable.items.map((i) => i.id);
  const shippedOrderId = () => f.shipping().paid.orderId;
  const deliveredOrderId = () => f.shipping().deliveredOrderId;
  const anyOrderId = fc.oneof(
    { weight: 1, arbitrary: fc.oneof(anyString, fc.constant('no-such-order')) },
    { weight: 3, arbitrary: known(cancellableId) },
    { weight: 1, arbitrary: fc.oneof(known(f.orderId), known(shippedOrderId), known(deliveredOrderId)) },
  );
  const anyItemId = fc.oneof(
    anyIdOr(),
    known(cancellableItems).chain((ids) => fc.constantFrom(...ids)),
    known(() => f.shipping().paid.items[0].id),
  );
  const anyItems = fc.oneof(
    fc.array(fc.record({ itemId: anyItemId, quantity: anyQuantity }), { maxLength: 5 }),
    // One real line of the order with any quantity (so that the quantity's and the reason's checks run; 1 or 2 may succeed).
    known(cancellableItems).chain((ids) => fc.record({ itemId: fc.constantFrom(...ids), quantity: anyQuantity }).map((line) => [line])),
    known(cancellableItems).chain((ids) => fc.constantFrom(...ids).map((itemId) => [{ itemId, quantity: 1 }])),
    known(cancellableItems).chain((ids) =>
      fc.constantFrom(...ids).chain((id) =>
        fc.constant([
          { itemId: id, quantity: 1 },
          { itemId: id, quantity: 1 },
        ]),
      ),
    ),
    fc.constant(Array.from({ length: 101 }, (_, i) => ({ itemId: String(i + 1), quantity: 1 }))),
    fc.constant([]),
  );
  const CANCEL =
    'mutation($o: String!, $i: [CancelOrderItemInput!]!, $r: String) { cancelOrderItems(orderId: $o, items: $i, reason: $r) { orderId status items { cancelledQuantity } } }';
  const cancelVariables = fc.record({ o: anyOrderId, i: anyItems, r: anyReason });
  const anySellerId = maybe(
    fc.oneof(
      anyIdOr(),
      fc.constant(null),
      known(() => f.refunds().sellerId),
      known(() => f.refunds().otherSellerId),
      known(() => f.refunds().customerId),
      known(() => f.refunds().adminId),
    ),
  );
  const SETTLEMENTS =
    'query($from: DateTime!, $to: DateTime!, $s: ID, $first: Int, $after: String) { sellerSettlements(from: $from, to: $to, sellerId: $s, first: $first, after: $after) { sellerId totals { gross commission net paidOut owed entryCount } entries { edges { cursor node { id net } } pageInfo { hasNextPage endCursor } } } }';
  const settlementVariables = fc
    .record({ period: anyPeriod, s: anySellerId, first: anyFirst, after: anyCursor('SETTLEMENT') })
    .map(({ period, ...rest }) => ({ ...period, ...rest }));
  const PAYOUTS =
    'query($s: ID, $first: Int, $after: String) { sellerPayouts(sellerId: $s, first: $first, after: $after) { edges { cursor node { id amount } } pageInfo { hasNextPage } } }';
  const payoutVariables = fc.record({ s: anySellerId, first: anyFirst, after: anyCursor('PAYOUTS') });
  return [
    { name: 'cancelOrderItems', token: f.customer, query: CANCEL, variables: cancelVariables, never: ['PAYMENT_FAILED'] },
    { name: 'cancelOrderItems as a seller', token: f.seller, query: CANCEL, variables: cancelVariables, never: ['PAYMENT_FAILED'] },
    { name: 'sellerSettlements', token: f.seller, query: SETTLEMENTS, variables: settlementVariables },
    { name: 'sellerSettlements as an admin', token: f.admin, query: SETTLEMENTS, variables: settlementVariables },
    { name: 'sellerPayouts', token: f.seller, query: PAYOUTS, variables: payoutVariables },
    { name: 'sellerPayouts as an admin', token: f.admin, query: PAYOUTS, variables: payoutVariables },
    {
      name: 'recordSellerPayout',
      token: f.admin,
      query: 'mutation($s: ID!, $u: DateTime!) { recordSellerPayout(sellerId: $s, upTo: $u) { id amount entryCount } }',
      variables: fc.record({
        s: fc.oneof(
          anyIdOr(),
          known(() => f.refunds().sellerId),
          known(() => f.refunds().customerId),
          known(() => f.refunds().adminId),
        ),
        u: fc.oneof(
          anyDateTime,
          fc.constant(null).map(() => iso(Date.now())),
          fc.constant(null).map(() => iso(Date.now() + 60_000)),
        ),
      }),
    },
  ];
}
