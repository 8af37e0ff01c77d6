import { AddToCartDocument, CancelOrderDocument, CreateOrderDocument } from '../generated/graphql';
import { signUpAs } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { EMBEDDED, startTestApp, type TestApp } from '../helpers/test-app';

/**
 * createOrder is the hottest write: every statement it runs is a round trip while the buyer waits,
 * and the last two hold the product's row lock (BENCHMARKS.md, "Checkout and fan-out on a shared host"). This pins them,
 * and those of an unpaid order's cancel, which gives the stock back (the fan-out benchmark's burst, issue #18).
 */
let t: TestApp;
const queries: string[] = [];

beforeAll(async () => {
  // Background jobs (outbox relay, sweeper) would add their own statements: keep them quiet here.
  t = await startTestApp(
    { OUTBOX_RELAY_INTERVAL_MS: '60000', ORDER_SWEEP_INTERVAL_MS: '3600000', ORDER_MAX_PENDING_PER_CUSTOMER: '5' },
    { onQuery: (sql) => queries.push(sql.replace(/\s+/g, ' ').trim()) },
  );
});
afterAll(() => t?.close());

it('an order of the cart runs 4 reads, then one transaction of 6 statements ending with the stock update', async () => {
  const seller = await signUpAs(t.client, 'SELLER');
  const customer = await signUpAs(t.client, 'CUSTOMER');
  const product = await createProduct(t.client, seller.token, { stock: 100 });
  // The first order also seeds the product's stock counter; the second is the steady state.
  for (let i = 0; i < 2; i++) {
    await t.client.ok(AddToCartDocument, { productId: product.id, quantity: 1 }, { token: customer.token });
    // The previous order's event goes out first (the relay is kicked after its commit).
    await t.app.relay.runOnce();
    queries.length = 0;
    await t.client.ok(CreateOrderDocument, {}, { token: customer.token });
  }
  const ran = [...queries];
  const reads = ran.slice(0, 4);
  // Before the transaction (in parallel, so in any order): the session, the cart with its products, the pending count, the default address.
  for (const pattern of [
    /from auth_session/,
    /from cart_line c join product p/,
    /count\(\*\).*from customer_order/,
    /from shipping_address/,
  ])
    expect(reads.filter((q) => pattern.test(q))).toHaveLength(1);
  // Then the order's transaction; the relay, kicked by its commit, may follow at once.
  const transaction = ran.slice(4, ran.findIndex((q) => /^commit/i.test(q)) + 1);
  const expected = [
    /^begin/i,
    /^select id from customer where id = \?( for update)?$/,
    /count\(\*\).*from customer_order/,
    /^insert into customer_order/,
    /^insert into order_item/,
    /^insert into order_status_change/,
    /^update product set status = .* stock = stock - \?/,
    /^commit/i,
  ];
  expect(transaction).toHaveLength(expected.length);
  expected.forEach((pattern, i) => expect(transaction[i]).toMatch(pattern));
  // The same SQL on both profiles; only the row lock clause differs.
  expect(transaction[1].endsWith(' for update')).toBe(!EMBEDDED);
});

it('a cancel of an unpaid order reads it, then runs one transaction ending with the stock give-back, product by product', async () => {
  const seller = await signUpAs(t.client, 'SELLER');
  const customer = await signUpAs(t.client, 'CUSTOMER');
  for (const stock of [10, 20]) {
    const product = await createProduct(t.client, seller.token, { stock });
    await t.client.ok(AddToCartDocument, { productId: product.id, quantity: 2 }, { token: customer.token });
  }
  const { createOrder } = await t.client.ok(CreateOrderDocument, {}, { token: customer.token });
  await t.app.relay.runOnce();
  queries.length = 0;
  const { cancelOrder } = await t.client.ok(CancelOrderDocument, { orderId: createOrder.orderId }, { token: customer.token });
  expect(cancelOrder.status).toBe('CANCELLED');
  const ran = [...queries];
  const begin = ran.findIndex((q) => /^begin/i.test(q));
  // Before it: the session, and the customer's own order.
  expect(ran.slice(0, begin)).toHaveLength(2);
  expect(
    ran.slice(0, begin).filter((q) => /^select .* from customer_order where order_id = \? and customer_id = \?$/.test(q)),
  ).toHaveLength(1);
  const transaction = ran.slice(begin, ran.findIndex((q) => /^commit/i.test(q)) + 1);
  const expected = [
    /^begin/i,
    /^update customer_order set status = \?, updated_at = \?, cancelled_at = \?, cancel_reason = \? where id = \? and status = \?$/,
    /^select .* from customer_order where id = \?$/,
    /^insert into order_status_change/,
    /^select product_id, quantity, cancelled_quantity from order_item where order_id = \? order by product_id$/,
    // Last, so the hot product rows are held only until the commit that follows.
    /^update product set status = .* stock = stock \+ \? where id = \?$/,
    /^update product set status = .* stock = stock \+ \? where id = \?$/,
    /^commit/i,
  ];
  expect(transaction).toHaveLength(expected.length);
  expected.forEach((pattern, i) => expect(transaction[i]).toMatch(pattern));
});
