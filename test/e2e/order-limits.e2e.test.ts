import { CartLine, Order, OrderStatus, Product } from '../../src/entities';
import {
  AddToCartDocument,
  CancelOrderDocument,
  CartDocument,
  ClearCartDocument,
  CreateOrderDocument,
  UpdateProductDocument,
} from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { codeOf, type GraphQLClient } from '../helpers/graphql-client';
import { startTestApp, type TestApp } from '../helpers/test-app';

/**
 * Issue #13, cases 3 and 5: what one order may hold (ORDER_MAX_AMOUNT, ORDER_MAX_LINE_QUANTITY),
 * how many unpaid orders a customer may have (ORDER_MAX_PENDING_PER_CUSTOMER) and how many orders
 * they may create a minute (ORDER_CREATE_PER_MINUTE). Every refusal comes before anything is
 * written: no cart change, no order row, no stock hold.
 */
const INT_MAX = 2_147_483_647;

/** Everything a refused addToCart or createOrder must leave as it was. */
async function snapshot(t: TestApp, customer: TestAccount, productIds: string[]) {
  const em = t.app.orm.em.fork();
  const ids = productIds.map(Number);
  const products = await em.find(Product, { id: { $in: ids } }, { orderBy: { id: 'asc' } });
  return {
    orders: await em.count(Order, { customer: Number(customer.id) }),
    stock: products.map((p) => p.stock),
    counters: [...(await t.app.stock.counters(ids)).entries()].sort(([a], [b]) => a - b),
    // Every hold, however recent (a cutoff a minute ahead of now).
    holds: (await t.app.stock.staleReservations(-60_000, 10_000)).length,
    cart: (await t.client.ok(CartDocument, {}, { token: customer.token })).cart,
  };
}

const addToCart = (client: GraphQLClient, token: string, productId: string, quantity: number) =>
  client.request(AddToCartDocument, { productId, quantity }, { token });
const createOrder = (client: GraphQLClient, token: string, productIds?: string[]) =>
  client.request(CreateOrderDocument, { input: productIds ? { productIds } : undefined }, { token });

describe('what one order may hold (the defaults: ORDER_MAX_AMOUNT 50,000,000 KRW, ORDER_MAX_LINE_QUANTITY 100)', () => {
  let t: TestApp;
  let seller: TestAccount, customer: TestAccount;
  beforeAll(async () => {
    t = await startTestApp();
    [seller, customer] = await Promise.all([signUpAs(t.client, 'SELLER'), signUpAs(t.client, 'CUSTOMER')]);
  });
  afterAll(() => t?.close());
  beforeEach(() => t.client.ok(ClearCartDocument, {}, { token: customer.token }));

  const add = (productId: string, quantity: number) => addToCart(t.client, customer.token, productId, quantity);
  const raisePrice = (productId: string, price: number) =>
    t.client.ok(UpdateProductDocument, { id: productId, input: { price } }, { token: seller.token });

  it("the issue's case, 100,000,000 KRW x 22: addToCart answers BAD_USER_INPUT on quantity, naming the maximum, and nothing changes", async () => {
    const costly = await createProduct(t.client, seller.token, { price: 100_000_000, stock: 30 });
    const before = await snapshot(t, customer, [costly.id]);
    for (const quantity of [22, 1]) {
      const refused = await add(costly.id, quantity);
      expect(codeOf(refused)).toBe('BAD_USER_INPUT');
      expect(refused.errors![0].extensions!.field).toBe('quantity');
      expect(refused.errors![0].message).toContain('50,000,000 KRW');
    }
    expect(await snapshot(t, customer, [costly.id])).toEqual(before);
  });

  it('counts the whole cart at current prices: an add that would take the cart past the maximum is refused, and the cart stays as it was', async () => {
    const tv = await createProduct(t.client, seller.token, { price: 20_000_000, stock: 10 });
    const fridge = await createProduct(t.client, seller.token, { price: 15_000_000, stock: 10 });
    expect((await add(tv.id, 2)).data!.addToCart.totalAmount).toBe(40_000_000);
    const before = await snapshot(t, customer, [tv.id, fridge.id]);
    const refused = await add(fridge.id, 1);
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0].message).toBe(
      'quantity: your cart would come to 55,000,000 KRW, above the 50,000,000 KRW one order may total',
    );
    expect(codeOf(await add(tv.id, 1))).toBe('BAD_USER_INPUT');
    expect(await snapshot(t, customer, [tv.id, fridge.id])).toEqual(before);
    // Up to the maximum itself is fine.
    const cheaper = await createProduct(t.client, seller.token, { price: 10_000_000, stock: 10 });
    expect((await add(cheaper.id, 1)).data!.addToCart.totalAmount).toBe(50_000_000);
  });

  it('refuses a line past ORDER_MAX_LINE_QUANTITY (BAD_USER_INPUT on quantity), also when raising a line, and changes nothing', async () => {
    const rice = await createProduct(t.client, seller.token, { price: 1000, stock: 1000 });
    const tooMany = await add(rice.id, 101);
    expect([codeOf(tooMany), tooMany.errors![0].extensions!.field]).toEqual(['BAD_USER_INPUT', 'quantity']);
    expect(tooMany.errors![0].message).toContain('from 1 to 100');
    await add(rice.id, 60);
    const before = await snapshot(t, customer, [rice.id]);
    const raised = await add(rice.id, 41);
    expect([codeOf(raised), raised.errors![0].extensions!.field]).toEqual(['BAD_USER_INPUT', 'quantity']);
    expect(raised.errors![0].message).toBe('quantity: one order takes at most 100 units of a product (your cart has 60)');
    expect(await snapshot(t, customer, [rice.id])).toEqual(before);
    expect((await add(rice.id, 40)).data!.addToCart.lines[0].quantity).toBe(100);
  });

  it('a price raised after the add: the cart still answers (the line unavailable, left out of totalAmount, its lineTotal within Int), and createOrder refuses before any hold', async () => {
    const gold = await createProduct(t.client, seller.token, { price: 1_000_000, stock: 50 });
    const salt = await createProduct(t.client, seller.token, { price: 1000, stock: 50 });
    await add(gold.id, 22);
    await add(salt.id, 1);
    // 22 x 50,000,000 = 1,100,000,000: past the maximum, still an Int.
    await raisePrice(gold.id, 50_000_000);
    let cart = (await t.client.ok(CartDocument, {}, { token: customer.token })).cart;
    expect(cart.lines.map((l) => [l.product.id, l.unitPrice, l.lineTotal, l.available])).toEqual([
      [gold.id, 50_000_000, 1_100_000_000, false],
      [salt.id, 1000, 1000, true],
    ]);
    expect(cart.totalAmount).toBe(1000);
    // 22 x 100,000,000 = 2,200,000,000: past GraphQL's Int, shown as its maximum, never an INTERNAL_SERVER_ERROR.
    await raisePrice(gold.id, 100_000_000);
    const res = await t.client.request(CartDocument, {}, { token: customer.token });
    expect(res.errors).toBeUndefined();
    cart = res.data!.cart;
    expect(cart.lines[0]).toMatchObject({ unitPrice: 100_000_000, lineTotal: INT_MAX, available: false });
    expect(cart.totalAmount).toBe(1000);

    const before = await snapshot(t, customer, [gold.id, salt.id]);
    const whole = await createOrder(t.client, customer.token);
    expect([codeOf(whole), whole.errors![0].extensions!.field]).toEqual(['BAD_USER_INPUT', 'cart']);
    expect(whole.errors![0].message).toContain('2,200,001,000 KRW, above the 50,000,000 KRW one order may total');
    const chosen = await createOrder(t.client, customer.token, [gold.id]);
    expect([codeOf(chosen), chosen.errors![0].extensions!.field]).toEqual(['BAD_USER_INPUT', 'productIds']);
    expect(await snapshot(t, customer, [gold.id, salt.id])).toEqual(before);
    // What fits is still orderable on its own.
    expect((await createOrder(t.client, customer.token, [salt.id])).data!.createOrder.totalAmount).toBe(1000);
  });

  it('createOrder checks the line quantity again (a line added under a higher ORDER_MAX_LINE_QUANTITY)', async () => {
    const rice = await createProduct(t.client, seller.token, { name: '쌀 10kg', price: 1000, stock: 1000 });
    await add(rice.id, 100);
    await t.app.orm.em.fork().nativeUpdate(CartLine, { customer: Number(customer.id), product: Number(rice.id) }, { quantity: 150 });
    const cart = (await t.client.ok(CartDocument, {}, { token: customer.token })).cart;
    expect(cart.lines[0]).toMatchObject({ quantity: 150, lineTotal: 150_000, available: false });
    expect(cart.totalAmount).toBe(0);
    const before = await snapshot(t, customer, [rice.id]);
    const refused = await createOrder(t.client, customer.token);
    expect([codeOf(refused), refused.errors![0].extensions!.field]).toEqual(['BAD_USER_INPUT', 'cart']);
    expect(refused.errors![0].message).toContain('"쌀 10kg": one order takes at most 100 units of a product');
    expect(await snapshot(t, customer, [rice.id])).toEqual(before);
  });
});

describe('a cart whose orderable lines together pass GraphQL Int (ORDER_MAX_AMOUNT at its highest, 2,147,483,647)', () => {
  it('totalAmount shows Int’s maximum; the whole cart is refused, each line alone can be ordered', async () => {
    const t = await startTestApp({ ORDER_MAX_AMOUNT: String(INT_MAX) });
    try {
      const seller = await signUpAs(t.client, 'SELLER');
      const customer = await signUpAs(t.client, 'CUSTOMER');
      const a = await createProduct(t.client, seller.token, { price: 100_000_000, stock: 20 });
      const b = await createProduct(t.client, seller.token, { price: 1_000_000, stock: 20 });
      await t.client.ok(AddToCartDocument, { productId: a.id, quantity: 15 }, { token: customer.token });
      await t.client.ok(AddToCartDocument, { productId: b.id, quantity: 15 }, { token: customer.token });
      await t.client.ok(UpdateProductDocument, { id: b.id, input: { price: 100_000_000 } }, { token: seller.token });
      const res = await t.client.request(CartDocument, {}, { token: customer.token });
      expect(res.errors).toBeUndefined();
      expect(res.data!.cart.lines.map((l) => [l.lineTotal, l.available])).toEqual([
        [1_500_000_000, true],
        [1_500_000_000, true],
      ]);
      expect(res.data!.cart.totalAmount).toBe(INT_MAX);
      const whole = await createOrder(t.client, customer.token);
      expect([codeOf(whole), whole.errors![0].extensions!.field]).toEqual(['BAD_USER_INPUT', 'cart']);
      expect((await createOrder(t.client, customer.token, [a.id])).data!.createOrder.totalAmount).toBe(1_500_000_000);
    } finally {
      await t.close();
    }
  });
});

describe('unpaid orders per customer (ORDER_MAX_PENDING_PER_CUSTOMER=2), with two instances', () => {
  let t: TestApp;
  let peer: Awaited<ReturnType<TestApp['startPeer']>>;
  let seller: TestAccount;
  beforeAll(async () => {
    t = await startTestApp({ ORDER_MAX_PENDING_PER_CUSTOMER: '2' });
    peer = await t.startPeer();
    seller = await signUpAs(t.client, 'SELLER');
  });
  afterAll(async () => {
    await peer?.close();
    await t?.close();
  });

  it('refuses a third unpaid order with TOO_MANY_REQUESTS (retryAfter until the oldest expires) before any hold; cancelling one makes room', async () => {
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const kimchi = await createProduct(t.client, seller.token, { stock: 10 });
    await addToCart(t.client, customer.token, kimchi.id, 1);
    const first = (await createOrder(t.client, customer.token)).data!.createOrder;
    expect((await createOrder(peer.client, customer.token)).data!.createOrder.status).toBe('PAYMENT_PENDING');

    const before = await snapshot(t, customer, [kimchi.id]);
    for (const client of [t.client, peer.client]) {
      const refused = await createOrder(client, customer.token);
      expect(codeOf(refused)).toBe('TOO_MANY_REQUESTS');
      expect(refused.errors![0].message).toMatch(/already have 2 unpaid orders/);
      expect(refused.errors![0].extensions!.retryAfter).toBeGreaterThan(500);
      expect(refused.errors![0].extensions!.retryAfter).toBeLessThanOrEqual(600);
    }
    expect(await snapshot(t, customer, [kimchi.id])).toEqual(before);
    // Another customer is not held back.
    const other = await signUpAs(t.client, 'CUSTOMER');
    await addToCart(t.client, other.token, kimchi.id, 1);
    expect(codeOf(await createOrder(t.client, other.token))).toBeUndefined();

    await t.client.ok(CancelOrderDocument, { orderId: first.orderId }, { token: customer.token });
    expect(codeOf(await createOrder(peer.client, customer.token))).toBeUndefined();
  });

  it('10 createOrder at once by one customer over both instances: exactly 2 orders, 8 refused, and no stock hold left behind', async () => {
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const product = await createProduct(t.client, seller.token, { stock: 100 });
    await addToCart(t.client, customer.token, product.id, 3);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => createOrder(i % 2 ? peer.client : t.client, customer.token)));
    const placed = results.filter((r) => r.data?.createOrder).map((r) => r.data!.createOrder.orderId);
    expect(placed).toHaveLength(2);
    expect(results.filter((r) => !r.data?.createOrder).map(codeOf)).toEqual(Array(8).fill('TOO_MANY_REQUESTS'));

    const em = t.app.orm.em.fork();
    const orders = await em.find(Order, { customer: Number(customer.id) });
    expect(orders.map((o) => [o.orderId, o.status]).sort()).toEqual(placed.map((id) => [id, OrderStatus.PAYMENT_PENDING]).sort());
    expect((await em.findOneOrFail(Product, Number(product.id))).stock).toBe(94);
    expect((await t.app.stock.counters([Number(product.id)])).get(Number(product.id))).toBe(94);
    // Every hold belongs to an order that was written and is still waiting for its payment.
    const holds = await t.app.stock.staleReservations(-60_000, 10_000);
    const pending = await em.find(Order, { orderId: { $in: holds } });
    expect(pending.map((o) => o.status)).toEqual(holds.map(() => OrderStatus.PAYMENT_PENDING));
    for (const orderId of placed) expect(holds).toContain(orderId);
  });
});

describe('orders created per customer per minute (ORDER_CREATE_PER_MINUTE=2), shared by two instances', () => {
  it('the third order in a minute is refused with TOO_MANY_REQUESTS and retryAfter; refused attempts before it do not count', async () => {
    const t = await startTestApp({ ORDER_CREATE_PER_MINUTE: '2' });
    const peer = await t.startPeer();
    try {
      const seller = await signUpAs(t.client, 'SELLER');
      const customer = await signUpAs(t.client, 'CUSTOMER');
      const product = await createProduct(t.client, seller.token, { stock: 10 });
      // An empty cart is refused before anything is counted.
      for (let i = 0; i < 3; i++) expect(codeOf(await createOrder(t.client, customer.token))).toBe('BAD_USER_INPUT');
      await addToCart(t.client, customer.token, product.id, 1);
      expect(codeOf(await createOrder(t.client, customer.token))).toBeUndefined();
      expect(codeOf(await createOrder(peer.client, customer.token))).toBeUndefined();

      const before = await snapshot(t, customer, [product.id]);
      const refused = await createOrder(t.client, customer.token);
      expect(codeOf(refused)).toBe('TOO_MANY_REQUESTS');
      expect(refused.errors![0].extensions!.retryAfter).toBeGreaterThan(0);
      expect(refused.errors![0].extensions!.retryAfter).toBeLessThanOrEqual(60);
      expect(await snapshot(t, customer, [product.id])).toEqual(before);

      const other = await signUpAs(t.client, 'CUSTOMER');
      await addToCart(peer.client, other.token, product.id, 1);
      expect(codeOf(await createOrder(peer.client, other.token))).toBeUndefined();
    } finally {
      await peer.close();
      await t.close();
    }
  });
});
