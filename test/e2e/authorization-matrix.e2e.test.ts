import { buildAppSchema } from '../../src/schema/build-schema';
import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createCategory, createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { codeOf, type Result } from '../helpers/graphql-client';
import { ADDRESS as ORDER_ADDRESS, deliverOk, paidOrderOf, shipOk } from '../helpers/shipping';
import type { TestApp } from '../helpers/test-app';
import { startAppWithToss } from '../helpers/toss';
import { collect, connectWs, WsClients } from '../helpers/ws-client';
import type { TossSandbox } from '../../toss-sandbox';

/**
 * Every query, mutation and subscription against every kind of caller. `ALLOWED` means the
 * call got past authorization (it may still fail on its input, e.g. NOT_FOUND for an unknown
 * image); any other value is the exact error code expected. An operation missing from the
 * table fails the test, so a new operation cannot ship without its row. A row named
 * `Operation(variant)` runs the same operation with other arguments (e.g. createOrder's inputs).
 */
type Actor = 'anonymous' | 'customer' | 'otherCustomer' | 'seller' | 'otherSeller' | 'admin';
type Outcome = 'ALLOWED' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND';
type Row = Record<Actor, Outcome>;
type Fixtures = {
  productId: string;
  orderId: string;
  categoryId: string;
  addressId: string;
  /** Paid, with lines of both sellers, each line shipped by its seller. */
  paidOrderId: string;
  sellerItemId: string;
  shipmentId: string;
  /** Paid, with lines of both sellers, none shipped: what cancelOrderItems' refused callers aim at. */
  openOrderId: string;
  /** The seller's line of openOrderId. */
  openSellerItemId: string;
};
type Operation = {
  query: string;
  variables?: (f: Fixtures, actor: Actor) => Promise<Record<string, unknown>> | Record<string, unknown>;
  upload?: boolean;
  /** An allowed caller's call must succeed outright (no error at all), not merely get past authorization. */
  succeeds?: boolean;
};

const A: Outcome = 'ALLOWED';
const U: Outcome = 'UNAUTHENTICATED';
const F: Outcome = 'FORBIDDEN';
const N: Outcome = 'NOT_FOUND';
const row = (
  anonymous: Outcome,
  customer: Outcome,
  otherCustomer: Outcome,
  seller: Outcome,
  otherSeller: Outcome,
  admin: Outcome,
): Row => ({
  anonymous,
  customer,
  otherCustomer,
  seller,
  otherSeller,
  admin,
});

let seq = 0;
const unique = () => `${process.pid}-${++seq}`;
const ADDRESS = { recipientName: '홍길동', phone: '010-1234-5678', postcode: '06236', roadAddress: '서울특별시 강남구 테헤란로 152' };
/** A fresh address in the book of the customer holding `token`; its id. */
async function addAddress(token: string): Promise<string> {
  const mutation = 'mutation($i: ShippingAddressInput!) { addShippingAddress(input: $i) { id } }';
  const { data } = await t.client.raw<{ addShippingAddress: { id: string } }>(mutation, { i: ADDRESS }, { token });
  return data!.addShippingAddress.id;
}
/** Something an allowed caller can act on for real: a paid order of the seller's product, a line of it shipped, or delivered. */
const line = (f: Fixtures) => [{ productId: f.productId, quantity: 1 }];
const freshPaidOrder = (f: Fixtures) => paidOrderOf(t.client, toss, customer.token, line(f));
async function freshShipment(f: Fixtures): Promise<{ orderId: string; shipmentId: string }> {
  const order = await freshPaidOrder(f);
  return { orderId: order.orderId, shipmentId: await shipOk(t.client, seller.token, order.orderId, [order.items[0].id]) };
}
async function freshDeliveredOrder(f: Fixtures): Promise<string> {
  const { orderId, shipmentId } = await freshShipment(f);
  await deliverOk(t.client, seller.token, shipmentId);
  return orderId;
}
/** createOrder's input, with the product in a customer caller's cart so that the call gets as far as the address. */
async function orderInput(f: Fixtures, actor: Actor, address: Record<string, unknown>) {
  const add = 'mutation($id: ID!) { addToCart(productId: $id, quantity: 1) { totalAmount } }';
  const token = accounts[actor]?.token;
  if (actor === 'customer' || actor === 'otherCustomer') await t.client.raw(add, { id: f.productId }, { token });
  return { i: { productIds: [f.productId], ...address } };
}
/** A delivered order of the seller's line, confirmed by the customer: its line is owed to the seller in the ledger. */
async function freshLedgerEntry(f: Fixtures): Promise<void> {
  const orderId = await freshDeliveredOrder(f);
  await t.client.raw('mutation($o: String!) { confirmPurchase(orderId: $o) { orderId } }', { o: orderId }, { token: customer.token });
}
/** A period around now, for the ledger. */
const period = () => ({ from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() });
const CANCEL_ITEMS =
  'mutation($o: String!, $i: [CancelOrderItemInput!]!) { cancelOrderItems(orderId: $o, items: $i, reason: "r") { orderId } }';
/** The customer cancels their own fresh order's line, the seller its own line of one; the others aim at the seller's line of the open two-seller order. */
async function cancelItemsInput(f: Fixtures, actor: Actor) {
  if (actor !== 'customer' && actor !== 'seller') return { o: f.openOrderId, i: [{ itemId: f.openSellerItemId, quantity: 1 }] };
  const order = await freshPaidOrder(f);
  return { o: order.orderId, i: [{ itemId: order.items[0].id, quantity: 1 }] };
}
const SETTLEMENTS =
  'query($from: DateTime!, $to: DateTime!, $s: ID) { sellerSettlements(from: $from, to: $to, sellerId: $s, first: 5) { totals { owed } entries { edges { cursor } } } }';
const PAYOUTS = 'query($s: ID) { sellerPayouts(sellerId: $s, first: 5) { edges { cursor } } }';
const MY_PRODUCTS =
  'query($s: String, $min: Int) { myProducts(first: 5, search: $s, minPrice: $min, sort: PRICE_ASC) { totalCount edges { node { id heldStock } } } }';
const SHIP =
  'mutation($o: String!, $i: [ID!]!) { shipOrderItems(orderId: $o, itemIds: $i, carrier: CJ_LOGISTICS, trackingNumber: "123456789012") { id } }';

// prettier-ignore
const MATRIX: Record<string, { op: Operation; expect: Row }> = {
  'Query.me':                    { op: { query: '{ me { id } }' }, expect: row(A, A, A, A, A, A) },
  'Query.categories':            { op: { query: '{ categories { id } }' }, expect: row(A, A, A, A, A, A) },
  'Query.product':               { op: { query: 'query($id: ID!) { product(id: $id) { id } }', variables: (f) => ({ id: f.productId }) }, expect: row(A, A, A, A, A, A) },
  'Query.products':              { op: { query: '{ products(first: 1) { totalCount } }' }, expect: row(A, A, A, A, A, A) },
  'Query.products(search)':      { op: { query: MY_PRODUCTS.replace('myProducts', 'products'), variables: () => ({ s: 'product', min: 1 }), succeeds: true }, expect: row(A, A, A, A, A, A) },
  // A seller's own catalog (#17): sellers only, each their own (what each sees is in authorization-product-fields).
  'Query.myProducts':            { op: { query: MY_PRODUCTS, succeeds: true }, expect: row(U, F, F, A, A, F) },
  'Query.cart':                  { op: { query: '{ cart { totalAmount } }' }, expect: row(U, A, A, F, F, F) },
  'Query.orders':                { op: { query: '{ orders(first: 1) { totalCount } }' }, expect: row(U, A, A, A, A, A) },
  'Query.order':                 { op: { query: 'query($o: String!) { order(orderId: $o) { orderId } }', variables: (f) => ({ o: f.orderId }) }, expect: row(U, A, N, A, N, A) },
  'Query.payment':               { op: { query: 'query($o: String!) { payment(orderId: $o) { status } }', variables: (f) => ({ o: f.orderId }) }, expect: row(U, A, N, F, F, A) },
  'Query.notifications':         { op: { query: '{ notifications(first: 1) { totalCount } }' }, expect: row(U, A, A, F, F, F) },
  'Mutation.signUp':             { op: { query: 'mutation($i: SignUpInput!) { signUp(input: $i) { token } }', variables: () => ({ i: { role: 'CUSTOMER', email: `m-${unique()}@example.com`, password: 'password1234', name: 'm' } }) }, expect: row(A, A, A, A, A, A) },
  'Mutation.login':              { op: { query: 'mutation($i: LoginInput!) { login(input: $i) { token } }', variables: () => ({ i: { role: 'CUSTOMER', email: `nobody-${unique()}@example.com`, password: 'password1234' } }) }, expect: row(U, U, U, U, U, U) },
  'Mutation.logout':             { op: { query: 'mutation { logout }' }, expect: row(U, A, A, A, A, A) },
  'Mutation.createCategory':     { op: { query: 'mutation($i: CategoryInput!) { createCategory(input: $i) { id } }', variables: () => ({ i: { name: `c-${unique()}` } }) }, expect: row(U, F, F, F, F, A) },
  'Mutation.createProduct':      { op: { query: 'mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }', variables: () => ({ i: { name: 'p', description: 'd', price: 1000, stock: 1 } }) }, expect: row(U, F, F, A, A, F) },
  'Mutation.updateProduct':      { op: { query: 'mutation($id: ID!) { updateProduct(id: $id, input: { price: 1200 }) { id } }', variables: (f) => ({ id: f.productId }) }, expect: row(U, F, F, A, F, F) },
  'Mutation.deleteProduct':      { op: { query: 'mutation($id: ID!) { deleteProduct(id: $id) }', variables: async () => ({ id: (await createProduct(t.client, seller.token)).id }) }, expect: row(U, F, F, A, F, F) },
  'Mutation.addProductImages':   { op: { query: 'mutation($id: ID!, $files: [Upload!]!) { addProductImages(productId: $id, files: $files) { id } }', variables: (f) => ({ id: f.productId }), upload: true }, expect: row(U, F, F, A, F, F) },
  'Mutation.removeProductImage': { op: { query: 'mutation($id: ID!) { removeProductImage(productId: $id, imageId: "999999") { id } }', variables: (f) => ({ id: f.productId }) }, expect: row(U, F, F, A, F, F) },
  'Mutation.addToCart':          { op: { query: 'mutation($id: ID!) { addToCart(productId: $id, quantity: 1) { totalAmount } }', variables: (f) => ({ id: f.productId }) }, expect: row(U, A, A, F, F, F) },
  'Mutation.removeFromCart':     { op: { query: 'mutation($id: ID!) { removeFromCart(productId: $id) { totalAmount } }', variables: (f) => ({ id: f.productId }) }, expect: row(U, A, A, F, F, F) },
  'Mutation.clearCart':          { op: { query: 'mutation { clearCart { totalAmount } }' }, expect: row(U, A, A, F, F, F) },
  'Mutation.createOrder':        { op: { query: 'mutation { createOrder { orderId } }' }, expect: row(U, A, A, F, F, F) },
  'Mutation.confirmPayment':     { op: { query: 'mutation($i: ConfirmPaymentInput!) { confirmPayment(input: $i) { orderId } }', variables: (f) => ({ i: { paymentKey: 'pk', orderId: f.orderId, amount: 1 } }) }, expect: row(U, A, N, F, F, F) },
  'Mutation.cancelOrder':        { op: { query: 'mutation($o: String!) { cancelOrder(orderId: $o) { status } }', variables: async (f, actor) => ({ o: actor === 'customer' ? (await orderProducts(t.client, customer.token, [{ productId: f.productId, quantity: 1 }])).orderId : f.orderId }) }, expect: row(U, A, N, F, F, F) },
  'Mutation.updateOrderStatus':  { op: { query: 'mutation($o: String!) { updateOrderStatus(orderId: $o, status: SHIPPING) { status } }', variables: (f) => ({ o: f.orderId }) }, expect: row(U, F, F, F, F, A) },
  'Mutation.markNotificationsRead': { op: { query: 'mutation { markNotificationsRead(ids: ["1"]) }' }, expect: row(U, A, A, F, F, F) },
  'Query.shippingAddresses':     { op: { query: '{ shippingAddresses { id } }' }, expect: row(U, A, A, F, F, F) },
  'Mutation.addShippingAddress': { op: { query: 'mutation($i: ShippingAddressInput!) { addShippingAddress(input: $i) { id } }', variables: () => ({ i: ADDRESS }) }, expect: row(U, A, A, F, F, F) },
  'Mutation.updateShippingAddress': { op: { query: 'mutation($id: ID!) { updateShippingAddress(id: $id, input: { memo: "m" }) { id } }', variables: (f) => ({ id: f.addressId }) }, expect: row(U, A, N, F, F, F) },
  'Mutation.deleteShippingAddress': { op: { query: 'mutation($id: ID!) { deleteShippingAddress(id: $id) }', variables: async (f, actor) => ({ id: actor === 'customer' ? await addAddress(customer.token) : f.addressId }) }, expect: row(U, A, N, F, F, F) },
  'Mutation.setDefaultShippingAddress': { op: { query: 'mutation($id: ID!) { setDefaultShippingAddress(id: $id) { id } }', variables: (f) => ({ id: f.addressId }) }, expect: row(U, A, N, F, F, F) },
  'Query.carriers':              { op: { query: '{ carriers { code name nameEn trackingNumberDigits } }' }, expect: row(A, A, A, A, A, A) },
  'Mutation.createOrder(shippingAddressId)': { op: { query: 'mutation($i: CreateOrderInput) { createOrder(input: $i) { orderId } }', variables: (f, actor) => orderInput(f, actor, { shippingAddressId: f.addressId }) }, expect: row(U, A, N, F, F, F) },
  'Mutation.createOrder(shippingAddress)': { op: { query: 'mutation($i: CreateOrderInput) { createOrder(input: $i) { orderId } }', variables: (f, actor) => orderInput(f, actor, { shippingAddress: ORDER_ADDRESS }) }, expect: row(U, A, A, F, F, F) },
  'Mutation.setOrderShippingAddress': { op: { query: 'mutation($o: String!, $a: OrderAddressInput) { setOrderShippingAddress(orderId: $o, shippingAddress: $a) { orderId } }', variables: (f) => ({ o: f.orderId, a: ORDER_ADDRESS }) }, expect: row(U, A, N, F, F, F) },
  'Mutation.setOrderShippingAddress(shippingAddressId)': { op: { query: 'mutation($o: String!, $id: ID) { setOrderShippingAddress(orderId: $o, shippingAddressId: $id) { orderId } }', variables: (f) => ({ o: f.orderId, id: f.addressId }) }, expect: row(U, A, N, F, F, F) },
  // The seller's line of an order that also holds the other seller's: the other seller gets NOT_FOUND for that line.
  'Mutation.shipOrderItems':     { op: { query: SHIP, variables: async (f, actor) => { if (actor !== 'seller' && actor !== 'admin') return { o: f.paidOrderId, i: [f.sellerItemId] }; const o = await freshPaidOrder(f); return { o: o.orderId, i: [o.items[0].id] }; } }, expect: row(U, F, F, A, N, A) },
  'Mutation.markShipmentDelivered': { op: { query: 'mutation($s: ID!) { markShipmentDelivered(shipmentId: $s) { id } }', variables: async (f, actor) => ({ s: actor === 'seller' || actor === 'admin' ? (await freshShipment(f)).shipmentId : f.shipmentId }) }, expect: row(U, F, F, A, N, A) },
  'Mutation.confirmPurchase':    { op: { query: 'mutation($o: String!) { confirmPurchase(orderId: $o) { orderId } }', variables: async (f, actor) => ({ o: actor === 'customer' ? await freshDeliveredOrder(f) : f.paidOrderId }) }, expect: row(U, A, N, F, F, F) },
  // Partial refunds (#16): the customer their own order's lines, the seller its own lines; another customer or seller
  // gets NOT_FOUND (the other seller also sells in that order, but not that line); admins have no such operation.
  'Mutation.cancelOrderItems':   { op: { query: CANCEL_ITEMS, variables: cancelItemsInput, succeeds: true }, expect: row(U, A, N, A, N, F) },
  // 정산: sellers their own ledger and payouts, admins every seller's; naming another seller is FORBIDDEN (seller ids are public).
  'Query.sellerSettlements':     { op: { query: SETTLEMENTS, variables: period, succeeds: true }, expect: row(U, F, F, A, A, A) },
  'Query.sellerSettlements(sellerId)': { op: { query: SETTLEMENTS, variables: () => ({ ...period(), s: seller.id }), succeeds: true }, expect: row(U, F, F, A, F, A) },
  'Query.sellerPayouts':         { op: { query: PAYOUTS, succeeds: true }, expect: row(U, F, F, A, A, A) },
  'Query.sellerPayouts(sellerId)': { op: { query: PAYOUTS, variables: () => ({ s: seller.id }), succeeds: true }, expect: row(U, F, F, A, F, A) },
  // The admin pays a line just confirmed (so something is owed); upTo is now, not in the future.
  'Mutation.recordSellerPayout': { op: { query: 'mutation($s: ID!, $u: DateTime!) { recordSellerPayout(sellerId: $s, upTo: $u) { id amount } }', variables: async (f, actor) => { if (actor === 'admin') await freshLedgerEntry(f); return { s: seller.id, u: new Date().toISOString() }; }, succeeds: true }, expect: row(U, F, F, F, F, A) },
  'Subscription.orderEvents':    { op: { query: 'subscription { orderEvents { id } }' }, expect: row(U, A, A, F, F, F) },
  'Subscription.sellerOrderEvents': { op: { query: 'subscription { sellerOrderEvents { id } }' }, expect: row(U, F, F, A, A, F) },
};

let t: TestApp, toss: TossSandbox, close: () => Promise<void>;
let customer: TestAccount, seller: TestAccount;
let accounts: Record<Actor, TestAccount | null>;
let fixtures: Fixtures;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

beforeAll(async () => {
  ({ t, toss, close } = await startAppWithToss({ ADMIN_INVITE_CODE: TEST_INVITE_CODE }));
  const [c, oc, s, os, ad] = await Promise.all([
    signUpAs(t.client, 'CUSTOMER'),
    signUpAs(t.client, 'CUSTOMER'),
    signUpAs(t.client, 'SELLER'),
    signUpAs(t.client, 'SELLER'),
    signUpAs(t.client, 'ADMIN'),
  ]);
  customer = c;
  seller = s;
  accounts = { anonymous: null, customer: c, otherCustomer: oc, seller: s, otherSeller: os, admin: ad };
  const category = await createCategory(t.client, ad.token);
  const product = await createProduct(t.client, s.token, { stock: 1000 });
  const otherProduct = await createProduct(t.client, os.token, { stock: 1000 });
  const order = await orderProducts(t.client, c.token, [{ productId: product.id, quantity: 1 }]);
  const paid = await paidOrderOf(
    t.client,
    toss,
    c.token,
    [product, otherProduct].map((p) => ({ productId: p.id, quantity: 1 })),
  );
  const open = await paidOrderOf(
    t.client,
    toss,
    c.token,
    [product, otherProduct].map((p) => ({ productId: p.id, quantity: 1 })),
  );
  const itemOf = (p: { id: string }) => paid.items.find((i) => i.productId === p.id)!.id;
  const shipmentId = await shipOk(t.client, s.token, paid.orderId, [itemOf(product)]);
  await shipOk(t.client, os.token, paid.orderId, [itemOf(otherProduct)]);
  fixtures = {
    productId: product.id,
    orderId: order.orderId,
    categoryId: category.id,
    addressId: await addAddress(c.token),
    paidOrderId: paid.orderId,
    sellerItemId: itemOf(product),
    shipmentId,
    openOrderId: open.orderId,
    openSellerItemId: open.items.find((i) => i.productId === product.id)!.id,
  };
});
afterAll(() => close?.());

/** A token to use for `actor`: logout gets a fresh session, so the actor's main token keeps working. */
async function tokenFor(actor: Actor, operation: string): Promise<string | null> {
  const account = accounts[actor];
  if (!account) return null;
  if (operation !== 'Mutation.logout') return account.token;
  const { data } = await t.client.raw<{ login: { token: string } }>('mutation($i: LoginInput!) { login(input: $i) { token } }', {
    i: { role: account.role, email: account.email, password: 'password1234' },
  });
  return data!.login.token;
}

async function runHttp(op: Operation, token: string | null, variables: Record<string, unknown>): Promise<Result<unknown>> {
  if (!op.upload) return t.client.raw(op.query, variables, { token });
  const { parse } = await import('graphql');
  return t.client.upload(parse(op.query) as never, variables as never, [{ name: 'a.png', content: PNG, type: 'image/png' }], { token });
}

async function runSubscription(op: Operation, token: string | null): Promise<string | undefined> {
  const conn = connectWs(t.url, token ?? undefined);
  const outcome = await Promise.race([conn.opened.then(() => 'open' as const), conn.closed.then((c) => c)]);
  if (outcome !== 'open') return outcome.code === 4403 || outcome.code === 4401 ? 'UNAUTHENTICATED' : `closed ${outcome.code}`;
  const sub = collect<unknown>(conn, op.query, op.query.includes('sellerOrderEvents') ? 'sellerOrderEvents' : 'orderEvents');
  await Promise.race([sub.done, new Promise((r) => setTimeout(r, 300))]);
  await conn.client.dispose();
  const text = JSON.stringify(sub.errors);
  return sub.errors.length === 0 ? undefined : (/"code":"([A-Z_]+)"/.exec(text)?.[1] ?? text);
}

function outcomeOf(code: string | undefined): Outcome | string {
  if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN') return code;
  if (code === 'NOT_FOUND') return 'NOT_FOUND';
  return 'ALLOWED';
}

it('covers every operation in the schema', async () => {
  const schema = await buildAppSchema();
  const names = (['Query', 'Mutation', 'Subscription'] as const).flatMap((type) =>
    Object.keys(schema.getType(type) ? (schema.getType(type) as never as { getFields(): object }).getFields() : {}).map(
      (f) => `${type}.${f}`,
    ),
  );
  const rows = Object.keys(MATRIX).map((n) => n.replace(/\(.*\)$/, ''));
  expect(names.filter((n) => !rows.includes(n))).toEqual([]);
  expect(rows.filter((n) => !names.includes(n))).toEqual([]);
});

describe.each(Object.entries(MATRIX))('%s', (name, { op, expect: expected }) => {
  it.each(Object.keys(expected) as Actor[])('as %s', async (actor) => {
    const token = await tokenFor(actor, name);
    const variables = (await op.variables?.(fixtures, actor)) ?? {};
    const res = name.startsWith('Subscription.') ? null : await runHttp(op, token, variables);
    const code = res ? codeOf(res) : await runSubscription(op, token);
    if (op.succeeds && expected[actor] === 'ALLOWED') expect({ actor, errors: res?.errors }).toEqual({ actor, errors: undefined });
    // NOT_FOUND counts as ALLOWED where the table expects ALLOWED only for input-level misses (e.g. an unknown image).
    const got = outcomeOf(code);
    if (expected[actor] === 'ALLOWED' && got === 'NOT_FOUND' && name === 'Mutation.removeProductImage') return;
    expect({ actor, got }).toEqual({ actor, got: expected[actor] });
  });
});

/**
 * The same table over the WebSocket, where queries and mutations also run (through the same
 * pipeline). A socket needs a valid token to open, so there every anonymous call is
 * UNAUTHENTICATED; uploads are HTTP only (multipart).
 */
describe('over the WebSocket', () => {
  let ws: WsClients;
  beforeAll(() => {
    ws = new WsClients(t.url);
  });
  afterAll(() => ws?.close());

  const rows = Object.entries(MATRIX).filter(([name, { op }]) => !op.upload && !name.startsWith('Subscription.'));
  describe.each(rows)('%s', (name, { op, expect: expected }) => {
    it.each(Object.keys(expected) as Actor[])('as %s', async (actor) => {
      const token = await tokenFor(actor, name);
      const variables = (await op.variables?.(fixtures, actor)) ?? {};
      const res = (await ws.run(op.query, variables, token)) as Result<unknown>;
      const got = outcomeOf(codeOf(res));
      const want = actor === 'anonymous' ? 'UNAUTHENTICATED' : expected[actor];
      if (op.succeeds && want === 'ALLOWED') expect({ actor, errors: res.errors }).toEqual({ actor, errors: undefined });
      if (want === 'ALLOWED' && got === 'NOT_FOUND' && name === 'Mutation.removeProductImage') return;
      expect({ actor, got }).toEqual({ actor, got: want });
    });
  });
});
