import fc from 'fast-check';
import { parse } from 'graphql';
import { createHash } from 'node:crypto';
import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import {
  anyIdOr,
  anyInt,
  anyString,
  maybe,
  refundAndSettlementCases,
  refundFixtures,
  shipmentCases,
  shippingFixtures,
  type Case,
  type RefundFixtures,
  type ShippingFixtures,
} from '../helpers/fuzz-inputs';
import { NASTY_SEARCHES, searchCases, searchFixtures, type SearchFixtures } from '../helpers/fuzz-search';
import { codeOf } from '../helpers/graphql-client';
import type { TestApp } from '../helpers/test-app';
import { startAppWithToss } from '../helpers/toss';
import { paidOrderOf } from '../helpers/shipping';
import { WsClients } from '../helpers/ws-client';
import type { TossSandbox } from '../../toss-sandbox';

/**
 * Property-based fuzzing of every mutation's input through /graphql: whatever arrives, the
 * answer is data or a coded error (never INTERNAL_SERVER_ERROR), and a call that fails leaves
 * the database exactly as it was (a hash of every table's rows, on MySQL and on the embedded SQLite alike).
 */
let t: TestApp, toss: TossSandbox, close: () => Promise<void>;
let customer: TestAccount, seller: TestAccount, admin: TestAccount;
let productId: string, orderId: string, addressId: string;
let shipping: ShippingFixtures;
let refunds: RefundFixtures;
let search: SearchFixtures;
let tables: string[];

beforeAll(async () => {
  ({ t, toss, close } = await startAppWithToss({ ADMIN_INVITE_CODE: TEST_INVITE_CODE }));
  let otherSeller: TestAccount;
  [customer, seller, admin, otherSeller] = await Promise.all([
    signUpAs(t.client, 'CUSTOMER'),
    signUpAs(t.client, 'SELLER'),
    signUpAs(t.client, 'ADMIN'),
    signUpAs(t.client, 'SELLER'),
  ]);
  // Paid orders to ship, shipments to deliver, an order to confirm (issue #15's operations).
  shipping = await shippingFixtures(t.client, toss, customer, [seller, otherSeller]);
  // An order to partially cancel, many times over (issue #16's operations).
  refunds = await refundFixtures(t.client, toss, customer, [seller, otherSeller], admin);
  // Products to search (one hidden, one deleted), a category, cursors of every sort (issue #17's listings).
  search = await searchFixtures(t.client, seller, admin);

  productId = (await createProduct(t.client, seller.token, { stock: 100 })).id;
  orderId = (await orderProducts(t.client, customer.token, [{ productId, quantity: 1 }])).orderId;
  const address = { recipientName: '홍길동', phone: '010-1234-5678', postcode: '06236', roadAddress: '서울특별시 강남구 테헤란로 152' };
  const added = await t.client.raw<{ addShippingAddress: { id: string } }>(
    'mutation($i: ShippingAddressInput!) { addShippingAddress(input: $i) { id } }',
    { i: address },
    { token: customer.token },
  );
  addressId = added.data!.addShippingAddress.id;
  // Every entity's table (auth_session included: a refused login must not leave a session behind).
  tables = [
    ...new Set(
      Object.values(t.app.orm.getMetadata().getAll())
        .filter((m) => !m.abstract && !m.embeddable)
        .map((m) => m.tableName),
    ),
  ];
});
afterAll(async () => {
  await close?.();
});

async function checksum(): Promise<string> {
  const connection = t.app.orm.em.fork().getConnection();
  const hash = createHash('sha256');
  for (const table of tables.sort()) {
    // order_status_change's `published_at` is set by the outbox relay in the background: compare its rows without that column.
    const columns = table === 'order_status_change' ? 'id, kind, to_status, read_at' : '*';
    hash.update(table).update(JSON.stringify(await connection.execute(`select ${columns} from ${table} order by 1`)));
  }
  return hash.digest('hex');
}

/** Ids: the product's, numbers out of range, junk. */
const anyId = () => anyIdOr(() => productId);

const CASES: Case[] = [
  {
    name: 'signUp',
    token: () => '',
    query: 'mutation($i: SignUpInput!) { signUp(input: $i) { token } }',
    variables: fc.record({
      i: fc.record({
        role: fc.constantFrom('CUSTOMER', 'SELLER', 'ADMIN', 'ROOT'),
        email: anyString,
        password: anyString,
        name: anyString,
        adminInviteCode: maybe(anyString),
      }),
    }),
  },
  {
    name: 'login',
    token: () => '',
    query: 'mutation($i: LoginInput!) { login(input: $i) { token } }',
    variables: fc.record({ i: fc.record({ role: fc.constantFrom('CUSTOMER', 'SELLER'), email: anyString, password: anyString }) }),
  },
  {
    name: 'createCategory',
    token: () => admin.token,
    query: 'mutation($i: CategoryInput!) { createCategory(input: $i) { id } }',
    variables: fc.record({ i: fc.record({ name: anyString, parentId: maybe(anyId()) }) }),
  },
  {
    name: 'createProduct',
    token: () => seller.token,
    query: 'mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }',
    variables: fc.record({
      i: fc.record({
        name: anyString,
        description: anyString,
        price: anyInt,
        stock: anyInt,
        status: maybe(fc.constantFrom('ON_SALE', 'HIDDEN', 'GONE')),
        categoryId: maybe(anyId()),
      }),
    }),
  },
  {
    name: 'updateProduct',
    token: () => seller.token,
    query: 'mutation($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { id } }',
    variables: fc.record({
      id: anyId(),
      i: fc.record({ name: maybe(anyString), price: maybe(anyInt), stock: maybe(anyInt), categoryId: maybe(anyId()) }),
    }),
  },
  {
    name: 'deleteProduct',
    token: () => seller.token,
    query: 'mutation($id: ID!) { deleteProduct(id: $id) }',
    variables: fc.record({ id: anyId().filter((id) => id !== productId) }),
  },
  {
    name: 'removeProductImage',
    token: () => seller.token,
    query: 'mutation($p: ID!, $i: ID!) { removeProductImage(productId: $p, imageId: $i) { id } }',
    variables: fc.record({ p: anyId(), i: anyId() }),
  },
  {
    name: 'addToCart',
    token: () => customer.token,
    query: 'mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { totalAmount } }',
    variables: fc.record({ p: anyId(), q: anyInt }),
  },
  {
    name: 'removeFromCart',
    token: () => customer.token,
    query: 'mutation($p: ID!) { removeFromCart(productId: $p) { totalAmount } }',
    variables: fc.record({ p: anyId().filter((id) => id !== productId) }),
  },
  {
    name: 'createOrder',
    token: () => customer.token,
    query: 'mutation($i: CreateOrderInput) { createOrder(input: $i) { orderId } }',
    variables: fc.record({ i: maybe(fc.record({ productIds: fc.array(anyId(), { maxLength: 5 }) })) }),
  },
  {
    name: 'confirmPayment',
    token: () => customer.token,
    query: 'mutation($i: ConfirmPaymentInput!) { confirmPayment(input: $i) { orderId } }',
    variables: fc.record({
      i: fc.record({ paymentKey: anyString, orderId: fc.oneof(anyString, fc.constant('no-such-order')), amount: anyInt }),
    }),
  },
  {
    name: 'cancelOrder',
    token: () => customer.token,
    query: 'mutation($o: String!, $r: String) { cancelOrder(orderId: $o, reason: $r) { status } }',
    variables: fc.record({ o: anyString, r: maybe(anyString) }),
  },
  {
    name: 'updateOrderStatus',
    token: () => admin.token,
    query: 'mutation($o: String!, $s: OrderStatus!) { updateOrderStatus(orderId: $o, status: $s) { status } }',
    variables: fc.record({ o: fc.oneof(anyString, fc.constant('')), s: fc.constantFrom('SHIPPING', 'DELIVERED', 'CANCELLED', 'NOPE') }),
  },
  {
    name: 'markNotificationsRead',
    token: () => customer.token,
    query: 'mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }',
    variables: fc.record({ ids: fc.array(fc.oneof(anyString, fc.constant('-1')), { maxLength: 10 }) }),
  },
  {
    name: 'addShippingAddress',
    token: () => customer.token,
    query: 'mutation($i: ShippingAddressInput!) { addShippingAddress(input: $i) { id } }',
    variables: fc.record({
      i: fc.record({
        recipientName: anyString,
        phone: fc.oneof(anyString, fc.constantFrom('010-1234-5678', '+82 10 1234 5678', '02-123-4567', '010-1234-5678\u0000')),
        postcode: fc.oneof(anyString, fc.constantFrom('06236', '0623', '062366')),
        roadAddress: anyString,
        detail: maybe(fc.oneof(anyString, fc.constant(null))),
        memo: maybe(fc.oneof(anyString, fc.constant(null))),
        isDefault: maybe(fc.boolean()),
      }),
    }),
  },
  {
    name: 'updateShippingAddress',
    token: () => customer.token,
    query: 'mutation($id: ID!, $i: UpdateShippingAddressInput!) { updateShippingAddress(id: $id, input: $i) { id } }',
    variables: fc.record({
      id: anyIdOr(() => addressId),
      i: fc.record({
        recipientName: maybe(fc.oneof(anyString, fc.constant(null))),
        phone: maybe(fc.oneof(anyString, fc.constant(null))),
        postcode: maybe(fc.oneof(anyString, fc.constant(null))),
        roadAddress: maybe(anyString),
        detail: maybe(fc.oneof(anyString, fc.constant(null))),
        memo: maybe(fc.oneof(anyString, fc.constant(null))),
      }),
    }),
  },
  {
    name: 'deleteShippingAddress',
    token: () => customer.token,
    query: 'mutation($id: ID!) { deleteShippingAddress(id: $id) }',
    variables: fc.record({ id: anyId().filter((id) => id !== addressId) }),
  },
  {
    name: 'setDefaultShippingAddress',
    token: () => customer.token,
    query: 'mutation($id: ID!) { setDefaultShippingAddress(id: $id) { id } }',
    variables: fc.record({
      id: anyIdOr(() => addressId),
    }),
  },
  ...shipmentCases({
    customer: () => customer.token,
    seller: () => seller.token,
    admin: () => admin.token,
    orderId: () => orderId,
    addressId: () => addressId,
    productId: () => productId,
    shipping: () => shipping,
  }),
  ...refundAndSettlementCases({
    customer: () => customer.token,
    seller: () => seller.token,
    admin: () => admin.token,
    orderId: () => orderId,
    shipping: () => shipping,
    refunds: () => refunds,
  }),
  ...searchCases({ anonymous: () => '', seller: () => seller.token, search: () => search }),
];

describe.each(CASES)('$name', ({ token, query, variables, never = [], codes, accept }) => {
  it('answers only coded errors, and a failed call changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(variables, async (vars) => {
        // A refund that succeeded earlier makes Toss send a webhook, which updates the payment: let it land first.
        await toss.waitForWebhooks();
        const before = await checksum();
        const res = await t.client.raw(query, vars, { token: token() || null });
        const code = codeOf(res);
        expect(code).not.toBe('INTERNAL_SERVER_ERROR');
        expect(never).not.toContain(code);
        if (codes) {
          expect(res.status).toBeLessThan(500);
          expect(['none', ...codes]).toContain(code ?? 'none');
        }
        if (res.errors?.length) {
          expect(code).toEqual(expect.any(String));
          expect(await checksum()).toBe(before);
        } else accept?.(res.data);
      }),
      { numRuns: 25 },
    );
  });
});

/**
 * The same properties over the WebSocket, which runs queries and mutations through the same
 * pipeline (a socket needs a token: anonymous cases run on a customer's).
 */
describe.each(CASES)('over the WebSocket: $name', ({ token, query, variables, never = [], codes, accept }) => {
  let ws: WsClients;
  beforeAll(() => {
    ws = new WsClients(t.url);
  });
  afterAll(() => ws?.close());

  it('answers only coded errors, and a failed call changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(variables, async (vars) => {
        // A refund that succeeded earlier makes Toss send a webhook, which updates the payment: let it land first.
        await toss.waitForWebhooks();
        const before = await checksum();
        const res = await ws.run(query, vars, token() || customer.token);
        const code = res.errors?.[0]?.extensions?.code;
        expect(code).not.toBe('INTERNAL_SERVER_ERROR');
        expect(never).not.toContain(code);
        if (codes) expect(['none', ...codes]).toContain(code ?? 'none');
        if (res.errors?.length) {
          expect(code).toEqual(expect.any(String));
          expect(code).not.toMatch(/^CLOSED_/);
          expect(await checksum()).toBe(before);
        } else accept?.(res.data);
      }),
      { numRuns: 10 },
    );
  });
});

/** Every nasty search string at least once (the fuzzer draws only some), in each sort, on both listings: data or BAD_USER_INPUT. */
it('answers every nasty search with data or BAD_USER_INPUT, in each sort, on both listings', async () => {
  const outcomes = new Set<string>();
  for (const field of ['products', 'myProducts']) {
    for (const sort of [null, 'NEWEST', 'NAME', 'PRICE_ASC', 'PRICE_DESC', 'RELEVANCE']) {
      for (const s of NASTY_SEARCHES) {
        const res = await t.client.raw(
          `query($s: String, $sort: ProductSort) { list: ${field}(search: $s, sort: $sort, first: 5) { totalCount edges { node { id } } } }`,
          { s, sort },
          { token: seller.token },
        );
        const code = codeOf(res) ?? 'data';
        if (code !== 'data' && code !== 'BAD_USER_INPUT') outcomes.add(`${field} ${sort} ${JSON.stringify(s)}: ${res.status} ${code}`);
      }
    }
  }
  expect([...outcomes]).toEqual([]);
});

describe('addProductImages', () => {
  it('answers only coded errors for any product id and any file bytes, and a failed upload stores nothing', async () => {
    const query = parse('mutation($id: ID!, $files: [Upload!]!) { addProductImages(productId: $id, files: $files) { id } }');
    await fc.assert(
      fc.asyncProperty(
        anyId(),
        fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 3 }),
        anyString,
        async (id, files, name) => {
          const before = await checksum();
          const res = await t.client.upload(
            query as never,
            { id } as never,
            files.map((content) => ({ name: name.slice(0, 50) || 'f', content })),
            { token: seller.token },
          );
          expect(codeOf(res)).not.toBe('INTERNAL_SERVER_ERROR');
          if (res.errors?.length) expect(await checksum()).toBe(before);
        },
      ),
      { numRuns: 20 },
    );
  });
});

/**
 * A cancel reason with an unpaired UTF-16 surrogate (valid JSON, `"\\ud800"`): Toss echoes it in its answer, which must still
 * be recordable. Whatever the answer to the call, the order must not stay wedged (its refund claim held): a plain cancel
 * of another unit afterwards is answered normally (not CONFLICT).
 */
it.each(['a\ud800', '\udc00b'])('a cancel reason %j neither fails the server nor wedges the order', async (reason) => {
  const product = await createProduct(t.client, seller.token, { stock: 10 });
  const order = await paidOrderOf(t.client, toss, customer.token, [{ productId: product.id, quantity: 3 }]);
  const cancel = (r?: string) =>
    t.client.raw(
      'mutation($o: String!, $i: [CancelOrderItemInput!]!, $r: String) { cancelOrderItems(orderId: $o, items: $i, reason: $r) { orderId } }',
      { o: order.orderId, i: [{ itemId: order.items[0].id, quantity: 1 }], r },
      { token: customer.token },
    );
  expect(codeOf(await cancel(reason))).not.toBe('INTERNAL_SERVER_ERROR');
  expect(codeOf(await cancel())).toBeUndefined();
});

it('keeps the fixtures usable (sanity: the fuzzed calls did not break the order)', async () => {
  const res = await t.client.raw('query($o: String!) { order(orderId: $o) { status } }', { o: orderId }, { token: customer.token });
  expect(res.errors).toBeUndefined();
});
