import { Order, OrderStatus, OrderStatusChange, Product } from '../../src/entities';
import {
  AddToCartDocument,
  CancelOrderDocument,
  CartDocument,
  ConfirmPaymentDocument,
  ClearCartDocument,
  CreateOrderDocument,
  DeleteProductDocument,
  OrderDocument,
  OrdersDocument,
  ProductDocument,
  UpdateOrderStatusDocument,
  UpdateProductDocument,
} from '../generated/graphql';
import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { codeOf } from '../helpers/graphql-client';
import { sweeperWithoutGrace, type TestApp } from '../helpers/test-app';
import { startAppWithToss, TOSS_CLIENT_KEY, authorizeOrder } from '../helpers/toss';
import type { TossSandbox } from '../../toss-sandbox';

let t: TestApp, toss: TossSandbox, close: () => Promise<void>;
let admin: TestAccount, seller: TestAccount, otherSeller: TestAccount, customer: TestAccount, otherCustomer: TestAccount;

beforeAll(async () => {
  ({ t, toss, close } = await startAppWithToss({ ADMIN_INVITE_CODE: TEST_INVITE_CODE }));
  [admin, seller, otherSeller, customer, otherCustomer] = await Promise.all([
    signUpAs(t.client, 'ADMIN'),
    signUpAs(t.client, 'SELLER'),
    signUpAs(t.client, 'SELLER'),
    signUpAs(t.client, 'CUSTOMER'),
    signUpAs(t.client, 'CUSTOMER'),
  ]);
});
afterAll(() => close?.());

const stockOf = async (id: string) => (await t.app.orm.em.fork().findOneOrFail(Product, Number(id))).stock;
const counterOf = async (id: string) => (await t.app.stock.counters([Number(id)])).get(Number(id));
const addToCart = (productId: string, quantity: number, token = customer.token) =>
  t.client.ok(AddToCartDocument, { productId, quantity }, { token });
const createOrder = (input?: { productIds?: string[] }, token = customer.token) =>
  t.client.request(CreateOrderDocument, { input }, { token });

/** Pays an order the real way: Toss's window (the sandbox) authorizes it, then confirmPayment. */
async function markPaid(orderId: string, token = customer.token) {
  const { order } = await t.client.ok(OrderDocument, { orderId }, { token });
  const auth = toss.authorize({ clientKey: TOSS_CLIENT_KEY, orderId, orderName: order!.orderName, amount: order!.totalAmount });
  await t.client.ok(ConfirmPaymentDocument, { input: auth }, { token });
}

describe('createOrder', () => {
  beforeEach(() => t.client.ok(ClearCartDocument, {}, { token: customer.token }));

  it('turns the cart into a PAYMENT_PENDING order: snapshotted lines, server-side total, a Toss-valid orderId, and stock held', async () => {
    const kimchi = await createProduct(t.client, seller.token, { name: '김치 1kg', price: 12000, stock: 10 });
    const doenjang = await createProduct(t.client, otherSeller.token, { name: '된장', price: 5000, stock: 4 });
    const gochujang = await createProduct(t.client, seller.token, { name: '고추장', price: 7000, stock: 3 });
    await addToCart(kimchi.id, 2);
    await addToCart(doenjang.id, 1);
    await addToCart(gochujang.id, 3);
    const res = await createOrder();
    expect(res.errors).toBeUndefined();
    const order = res.data!.createOrder;
    expect(order).toMatchObject({
      orderName: '김치 1kg 외 2건',
      status: 'PAYMENT_PENDING',
      totalAmount: 24000 + 5000 + 21000,
      paidAt: null,
      cancelledAt: null,
    });
    expect(order.orderId).toMatch(/^[A-Za-z0-9_-]{6,64}$/);
    expect(order.items).toEqual([
      { productId: kimchi.id, productName: '김치 1kg', unitPrice: 12000, quantity: 2 },
      { productId: doenjang.id, productName: '된장', unitPrice: 5000, quantity: 1 },
      { productId: gochujang.id, productName: '고추장', unitPrice: 7000, quantity: 3 },
    ]);
    expect(Date.parse(order.expiresAt) - Date.parse(order.orderedAt)).toBe(600_000);
    // product.stock is what can still be bought; the StockGuard's counter agrees with MySQL.
    expect((await t.client.ok(ProductDocument, { id: kimchi.id })).product!.stock).toBe(8);
    for (const [p, left] of [
      [kimchi, 8],
      [doenjang, 3],
      [gochujang, 0],
    ] as const) {
      expect(await stockOf(p.id)).toBe(left);
      expect(await counterOf(p.id)).toBe(left);
    }
    // Unpaid orders stay in the cart; only payment removes them.
    expect((await t.client.ok(CartDocument, {}, { token: customer.token })).cart.lines).toHaveLength(3);
  });

  it('keeps the name and price as they were when ordered, even after the seller changes or deletes the product', async () => {
    const p = await createProduct(t.client, seller.token, { name: '사과', price: 3000 });
    const order = await orderProducts(t.client, customer.token, [{ productId: p.id, quantity: 1 }]);
    await t.client.ok(UpdateProductDocument, { id: p.id, input: { name: '배', price: 9000 } }, { token: seller.token });
    await t.client.ok(DeleteProductDocument, { id: p.id }, { token: seller.token });
    const { order: again } = await t.client.ok(OrderDocument, { orderId: order.orderId }, { token: customer.token });
    expect(again!.items).toEqual([{ productId: p.id, productName: '사과', unitPrice: 3000, quantity: 1 }]);
    expect(again!.totalAmount).toBe(3000);
  });

  it('orders only input.productIds when given; an id not in the cart or an empty list is BAD_USER_INPUT', async () => {
    const a = await createProduct(t.client, seller.token, { price: 1000 });
    const b = await createProduct(t.client, seller.token, { price: 2000 });
    await addToCart(a.id, 1);
    await addToCart(b.id, 2);
    const notInCart = await createOrder({ productIds: [a.id, '99999999'] });
    expect(codeOf(notInCart)).toBe('BAD_USER_INPUT');
    expect(notInCart.errors![0].extensions!.field).toBe('productIds');
    expect(codeOf(await createOrder({ productIds: [] }))).toBe('BAD_USER_INPUT');
    const res = await createOrder({ productIds: [b.id] });
    expect(res.data!.createOrder).toMatchObject({ totalAmount: 4000, items: [{ productId: b.id, quantity: 2 }] });
    expect(await stockOf(a.id)).toBe(10);
  });

  it('refuses an empty cart (BAD_USER_INPUT)', async () => {
    expect(codeOf(await createOrder())).toBe('BAD_USER_INPUT');
  });

  it('holds stock for every line or none: one short line is OUT_OF_STOCK naming it, and nothing is held', async () => {
    const plenty = await createProduct(t.client, seller.token, { name: '넉넉', stock: 10 });
    const scarce = await createProduct(t.client, seller.token, { name: '귀함', stock: 5 });
    await addToCart(plenty.id, 2);
    await addToCart(scarce.id, 5);
    await t.client.ok(UpdateProductDocument, { id: scarce.id, input: { stock: 4 } }, { token: seller.token });
    const res = await createOrder();
    expect(codeOf(res)).toBe('OUT_OF_STOCK');
    expect(res.errors![0].message).toContain('귀함');
    expect(res.errors![0].extensions).toMatchObject({ productId: scarce.id, productName: '귀함', available: 4 });
    expect([await stockOf(plenty.id), await stockOf(scarce.id)]).toEqual([10, 4]);
    // Refused before any hold: no counter moved (they may not even exist yet).
    const [plentyCounter, scarceCounter] = [await counterOf(plenty.id), await counterOf(scarce.id)];
    expect([plentyCounter, scarceCounter]).toEqual([plentyCounter === null ? null : 10, scarceCounter === null ? null : 4]);
    const { orders } = await t.client.ok(OrdersDocument, {}, { token: customer.token });
    expect(orders.edges.some((e) => e.node.items.some((i) => i.productId === scarce.id))).toBe(false);
  });

  it('refuses lines whose product was hidden or deleted since (BAD_USER_INPUT) or marked SOLD_OUT (OUT_OF_STOCK)', async () => {
    const p = await createProduct(t.client, seller.token);
    await addToCart(p.id, 1);
    await t.client.ok(UpdateProductDocument, { id: p.id, input: { status: 'SOLD_OUT' } }, { token: seller.token });
    expect(codeOf(await createOrder())).toBe('OUT_OF_STOCK');
    await t.client.ok(UpdateProductDocument, { id: p.id, input: { status: 'HIDDEN' } }, { token: seller.token });
    expect(codeOf(await createOrder())).toBe('BAD_USER_INPUT');
    await t.client.ok(DeleteProductDocument, { id: p.id }, { token: seller.token });
    expect(codeOf(await createOrder())).toBe('BAD_USER_INPUT');
  });

  it("follows the seller's stock edits in the StockGuard's counter", async () => {
    const p = await createProduct(t.client, seller.token, { stock: 5 });
    await orderProducts(t.client, customer.token, [{ productId: p.id, quantity: 2 }]);
    expect(await counterOf(p.id)).toBe(3);
    await t.client.ok(UpdateProductDocument, { id: p.id, input: { stock: 7 } }, { token: seller.token });
    expect([await stockOf(p.id), await counterOf(p.id)]).toEqual([7, 7]);
    await t.client.ok(UpdateProductDocument, { id: p.id, input: { stock: 1 } }, { token: seller.token });
    expect([await stockOf(p.id), await counterOf(p.id)]).toEqual([1, 1]);
  });

  it('rebuilds a missing counter from MySQL (cold start, Redis restart or flush)', async () => {
    const p = await createProduct(t.client, seller.token, { stock: 6 });
    await orderProducts(t.client, customer.token, [{ productId: p.id, quantity: 2 }]);
    await t.app.stock.forget([Number(p.id)]);
    expect(await counterOf(p.id)).toBeNull();
    await orderProducts(t.client, customer.token, [{ productId: p.id, quantity: 1 }]);
    expect([await stockOf(p.id), await counterOf(p.id)]).toEqual([3, 3]);
  });

  it('is for customers: sellers and admins are FORBIDDEN, anonymous callers UNAUTHENTICATED', async () => {
    expect(codeOf(await createOrder(undefined, seller.token))).toBe('FORBIDDEN');
    expect(codeOf(await createOrder(undefined, admin.token))).toBe('FORBIDDEN');
    expect(codeOf(await t.client.request(CreateOrderDocument, {}))).toBe('UNAUTHENTICATED');
  });
});

describe('cancelOrder', () => {
  it('cancels an unpaid order of the caller: CANCELLED with the time and reason, and the stock comes back (once)', async () => {
    const p = await createProduct(t.client, seller.token, { stock: 5 });
    const order = await orderProducts(t.client, customer.token, [{ productId: p.id, quantity: 3 }]);
    expect(await stockOf(p.id)).toBe(2);
    const res = await t.client.ok(CancelOrderDocument, { orderId: order.orderId, reason: '마음이 바뀜' }, { token: customer.token });
    expect(res.cancelOrder).toMatchObject({ status: 'CANCELLED', cancelReason: '마음이 바뀜' });
    expect(res.cancelOrder.cancelledAt).not.toBeNull();
    expect([await stockOf(p.id), await counterOf(p.id)]).toEqual([5, 5]);
    const again = await t.client.request(CancelOrderDocument, { orderId: order.orderId }, { token: customer.token });
    expect(codeOf(again)).toBe('BAD_USER_INPUT');
    expect([await stockOf(p.id), await counterOf(p.id)]).toEqual([5, 5]);
  });

  it('gives the stock back exactly once when the same cancel arrives many times at once', async () => {
    const p = await createProduct(t.client, seller.token, { stock: 5 });
    const order = await orderProducts(t.client, customer.token, [{ productId: p.id, quantity: 2 }]);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => t.client.request(CancelOrderDocument, { orderId: order.orderId }, { token: customer.token })),
    );
    expect(results.filter((r) => r.data?.cancelOrder.status === 'CANCELLED').length).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.data?.cancelOrder.status === 'CANCELLED' || codeOf(r) === 'BAD_USER_INPUT')).toBe(true);
    expect([await stockOf(p.id), await counterOf(p.id)]).toEqual([5, 5]);
  });

  it("answers NOT_FOUND for someone else's order, FORBIDDEN for sellers and UNAUTHENTICATED when anonymous", async () => {
    const p = await createProduct(t.client, seller.token);
    const order = await orderProducts(t.client, customer.token, [{ productId: p.id, quantity: 1 }]);
    expect(codeOf(await t.client.request(CancelOrderDocument, { orderId: order.orderId }, { token: otherCustomer.token }))).toBe(
      'NOT_FOUND',
    );
    expect(codeOf(await t.client.request(CancelOrderDocument, { orderId: order.orderId }, { token: seller.token }))).toBe('FORBIDDEN');
    expect(codeOf(await t.client.request(CancelOrderDocument, { orderId: order.orderId }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.client.request(CancelOrderDocument, { orderId: 'no-such-order' }, { token: customer.token }))).toBe('NOT_FOUND');
    expect((await t.client.ok(OrderDocument, { orderId: order.orderId }, { token: customer.token })).order!.status).toBe('PAYMENT_PENDING');
  });

  it('refuses a reason over 200 characters (BAD_USER_INPUT naming reason)', async () => {
    const p = await createProduct(t.client, seller.token);
    const order = await orderProducts(t.client, customer.token, [{ productId: p.id, quantity: 1 }]);
    const res = await t.client.request(CancelOrderDocument, { orderId: order.orderId, reason: 'x'.repeat(201) }, { token: customer.token });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0].extensions!.field).toBe('reason');
  });

  it('refuses orders being shipped or delivered (BAD_USER_INPUT)', async () => {
    const p = await createProduct(t.client, seller.token);
    const order = await orderProducts(t.client, customer.token, [{ productId: p.id, quantity: 1 }]);
    await markPaid(order.orderId);
    await t.client.ok(UpdateOrderStatusDocument, { orderId: order.orderId, status: 'SHIPPING' }, { token: admin.token });
    expect(codeOf(await t.client.request(CancelOrderDocument, { orderId: order.orderId }, { token: customer.token }))).toBe(
      'BAD_USER_INPUT',
    );
    await t.client.ok(UpdateOrderStatusDocument, { orderId: order.orderId, status: 'DELIVERED' }, { token: admin.token });
    expect(codeOf(await t.client.request(CancelOrderDocument, { orderId: order.orderId }, { token: customer.token }))).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('updateOrderStatus', () => {
  it('moves a paid order ORDER_COMPLETED -> SHIPPING -> DELIVERED, keeping the time of every change', async () => {
    const p = await createProduct(t.client, seller.token);
    const order = await orderProducts(t.client, customer.token, [{ productId: p.id, quantity: 1 }]);
    await markPaid(order.orderId);
    const update = (status: 'SHIPPING' | 'DELIVERED' | 'ORDER_COMPLETED' | 'CANCELLED') =>
      t.client.request(UpdateOrderStatusDocument, { orderId: order.orderId, status }, { token: admin.token });
    expect(codeOf(await update('DELIVERED'))).toBe('BAD_USER_INPUT');
    expect((await update('SHIPPING')).data!.updateOrderStatus.status).toBe('SHIPPING');
    expect(codeOf(await update('SHIPPING'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await update('ORDER_COMPLETED'))).toBe('BAD_USER_INPUT');
    expect((await update('DELIVERED')).data!.updateOrderStatus.status).toBe('DELIVERED');
    for (const status of ['SHIPPING', 'CANCELLED', 'ORDER_COMPLETED'] as const) expect(codeOf(await update(status))).toBe('BAD_USER_INPUT');

    const em = t.app.orm.em.fork();
    const history = await em.find(OrderStatusChange, { order: { orderId: order.orderId } }, { orderBy: { id: 'asc' } });
    expect(history.map((h) => [h.fromStatus, h.toStatus])).toEqual([
      [null, 'PAYMENT_PENDING'],
      ['PAYMENT_PENDING', 'ORDER_COMPLETED'],
      ['ORDER_COMPLETED', 'SHIPPING'],
      ['SHIPPING', 'DELIVERED'],
    ]);
    for (let i = 1; i < history.length; i++) expect(history[i].at.getTime()).toBeGreaterThanOrEqual(history[i - 1].at.getTime());
  });

  it('refuses unpaid orders (BAD_USER_INPUT), unknown ones (NOT_FOUND) and non-admins (FORBIDDEN / UNAUTHENTICATED)', async () => {
    const p = await createProduct(t.client, seller.token);
    const order = await orderProducts(t.client, customer.token, [{ productId: p.id, quantity: 1 }]);
    const vars = { orderId: order.orderId, status: 'SHIPPING' as const };
    expect(codeOf(await t.client.request(UpdateOrderStatusDocument, vars, { token: admin.token }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.client.request(UpdateOrderStatusDocument, { ...vars, orderId: 'nope-nope' }, { token: admin.token }))).toBe(
      'NOT_FOUND',
    );
    expect(codeOf(await t.client.request(UpdateOrderStatusDocument, vars, { token: seller.token }))).toBe('FORBIDDEN');
    expect(codeOf(await t.client.request(UpdateOrderStatusDocument, vars, { token: customer.token }))).toBe('FORBIDDEN');
    expect(codeOf(await t.client.request(UpdateOrderStatusDocument, vars))).toBe('UNAUTHENTICATED');
  });
});

describe('expiry', () => {
  it('fails an unpaid order past its window (PAYMENT_FAILED, EXPIRED) and returns its stock once, however many sweeps run', async () => {
    const p = await createProduct(t.client, seller.token, { stock: 4 });
    const order = await orderProducts(t.client, customer.token, [{ productId: p.id, quantity: 3 }]);
    expect(await t.app.services.sweeper.expireOverdue(new Date())).toBe(0);
    const later = new Date(Date.parse(order.expiresAt) + 1);
    const pending = await t.app.orm.em.fork().count(Order, { status: OrderStatus.PAYMENT_PENDING });
    const sweeps = await Promise.all(Array.from({ length: 4 }, () => t.app.services.sweeper.expireOverdue(later)));
    // Every overdue order (earlier tests' too) expired once in all, whichever sweep won it.
    expect(sweeps.reduce((a, b) => a + b, 0)).toBe(pending);
    const { order: expired } = await t.client.ok(OrderDocument, { orderId: order.orderId }, { token: customer.token });
    expect(expired).toMatchObject({ status: 'PAYMENT_FAILED', failureCode: 'EXPIRED' });
    expect([await stockOf(p.id), await counterOf(p.id)]).toEqual([4, 4]);
    expect(codeOf(await t.client.request(CancelOrderDocument, { orderId: order.orderId }, { token: customer.token }))).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('releases a reservation whose order never committed (the app died in between), after the grace period', async () => {
    const p = await createProduct(t.client, seller.token, { stock: 5 });
    // What a crash between the StockGuard's hold and MySQL's commit leaves behind: a hold with no order.
    await t.app.stock.reserve('orphan-order-1', [{ productId: Number(p.id), quantity: 2 }]);
    expect(await counterOf(p.id)).toBe(3);
    expect(await t.app.services.sweeper.settleStaleReservations()).toBe(0);
    const sweeper = sweeperWithoutGrace(t.app);
    await new Promise((r) => setTimeout(r, 5));
    expect(await sweeper.settleStaleReservations()).toBeGreaterThanOrEqual(1);
    expect([await stockOf(p.id), await counterOf(p.id)]).toEqual([5, 5]);
  });
});

describe('orders and order', () => {
  let mine: string[], theirs: string;
  let sellerProduct: { id: string }, otherProduct: { id: string };

  beforeAll(async () => {
    const buyer = await signUpAs(t.client, 'CUSTOMER');
    const buyer2 = await signUpAs(t.client, 'CUSTOMER');
    const lister = await signUpAs(t.client, 'SELLER');
    const lister2 = await signUpAs(t.client, 'SELLER');
    sellerProduct = await createProduct(t.client, lister.token, { price: 1000, stock: 1000 });
    otherProduct = await createProduct(t.client, lister2.token, { price: 500, stock: 1000 });
    mine = [];
    for (let i = 0; i < 25; i++) {
      const lines =
        i % 2
          ? [
              { productId: sellerProduct.id, quantity: 1 },
              { productId: otherProduct.id, quantity: 2 },
            ]
          : [{ productId: otherProduct.id, quantity: 1 }];
      mine.push((await orderProducts(t.client, buyer.token, lines)).orderId);
    }
    theirs = (await orderProducts(t.client, buyer2.token, [{ productId: sellerProduct.id, quantity: 3 }])).orderId;
    await markPaid(mine[1], buyer.token);
    Object.assign(accounts, { buyer, buyer2, lister, lister2 });
  });
  const accounts: Record<string, TestAccount> = {};

  it('a customer pages through their own orders, newest first, with no gap or repeat', async () => {
    const seen: string[] = [];
    let after: string | null | undefined;
    for (;;) {
      const { orders } = await t.client.ok(OrdersDocument, { first: 10, after }, { token: accounts.buyer.token });
      expect(orders.totalCount).toBe(25);
      seen.push(...orders.edges.map((e) => e.node.orderId));
      if (!orders.pageInfo.hasNextPage) break;
      after = orders.pageInfo.endCursor;
    }
    expect(seen).toEqual([...mine].reverse());
  });

  it('filters by status', async () => {
    const { orders } = await t.client.ok(OrdersDocument, { status: 'ORDER_COMPLETED' }, { token: accounts.buyer.token });
    expect(orders.edges.map((e) => e.node.orderId)).toEqual([mine[1]]);
    expect(orders.totalCount).toBe(1);
    expect(orders.edges[0].node.paidAt).not.toBeNull();
  });

  it("never shows another customer's orders: not in the list, and NOT_FOUND by id", async () => {
    const { orders } = await t.client.ok(OrdersDocument, {}, { token: accounts.buyer2.token });
    expect(orders.edges.map((e) => e.node.orderId)).toEqual([theirs]);
    expect(codeOf(await t.client.request(OrderDocument, { orderId: mine[0] }, { token: accounts.buyer2.token }))).toBe('NOT_FOUND');
    expect(codeOf(await t.client.request(OrderDocument, { orderId: 'does-not-exist' }, { token: accounts.buyer2.token }))).toBe(
      'NOT_FOUND',
    );
    expect(codeOf(await t.client.request(OrderDocument, { orderId: mine[0] }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.client.request(OrdersDocument, {}))).toBe('UNAUTHENTICATED');
  });

  it('a seller sees the orders holding their products, with only their own lines and their total', async () => {
    const { orders } = await t.client.ok(OrdersDocument, { first: 20 }, { token: accounts.lister.token });
    const expected = [theirs, ...mine.filter((_, i) => i % 2).reverse()];
    expect(orders.totalCount).toBe(expected.length);
    expect(orders.edges.map((e) => e.node.orderId)).toEqual(expected);
    for (const { node } of orders.edges) {
      expect(node.items.every((i) => i.productId === sellerProduct.id)).toBe(true);
    }
    const mixed = orders.edges.find((e) => e.node.orderId === mine[1])!.node;
    expect(mixed.totalAmount).toBe(1000);
    const { order } = await t.client.ok(OrderDocument, { orderId: mine[1] }, { token: accounts.lister.token });
    expect(order!.items).toEqual([{ productId: sellerProduct.id, productName: expect.any(String), unitPrice: 1000, quantity: 1 }]);
    // The customer sees the whole order.
    const whole = await t.client.ok(OrderDocument, { orderId: mine[1] }, { token: accounts.buyer.token });
    expect(whole.order!.items).toHaveLength(2);
    expect(whole.order!.totalAmount).toBe(2000);
    // A seller with no lines in an order cannot see it.
    expect(codeOf(await t.client.request(OrderDocument, { orderId: mine[0] }, { token: accounts.lister.token }))).toBe('NOT_FOUND');
  });

  it("a seller of some of an order's lines sees a name made of their own lines and none of the customer's free text", async () => {
    const rag = await createProduct(t.client, otherSeller.token, { name: '행주', price: 2000, stock: 5 });
    const sponge = await createProduct(t.client, seller.token, { name: '수세미', price: 1500, stock: 5 });
    const gloves = await createProduct(t.client, seller.token, { name: '고무장갑', price: 3000, stock: 5 });
    const lines = [rag, sponge, gloves].map((p) => ({ productId: p.id, quantity: 1 }));
    const reason = '배송지가 바뀌었어요: 서울시 마포구 ... 010-1234-5678';
    const cancelled = await orderProducts(t.client, customer.token, lines);
    expect(cancelled.orderName).toBe('행주 외 2건');
    await t.client.ok(CancelOrderDocument, { orderId: cancelled.orderId, reason }, { token: customer.token });
    // A declined card: Toss's message about the customer's card.
    const declined = await orderProducts(t.client, customer.token, lines);
    const auth = authorizeOrder(toss, declined, 'REJECT_CARD_COMPANY');
    expect(codeOf(await t.client.request(ConfirmPaymentDocument, { input: auth }, { token: customer.token }))).toBe('PAYMENT_FAILED');

    const seen = async (orderId: string, token: string) => (await t.client.ok(OrderDocument, { orderId }, { token })).order!;
    const listed = async (orderId: string, token: string) =>
      (await t.client.ok(OrdersDocument, { first: 20 }, { token })).orders.edges.find((e) => e.node.orderId === orderId)!.node;
    for (const read of [seen, listed]) {
      expect(await read(cancelled.orderId, seller.token)).toMatchObject({
        orderName: '수세미 외 1건',
        cancelReason: null,
        failureMessage: null,
      });
      expect(await read(cancelled.orderId, otherSeller.token)).toMatchObject({ orderName: '행주', cancelReason: null });
      expect(await read(declined.orderId, seller.token)).toMatchObject({
        orderName: '수세미 외 1건',
        status: 'PAYMENT_FAILED',
        failureCode: 'REJECT_CARD_COMPANY',
        failureMessage: null,
      });
    }
    // The customer and admins still see the order as it is.
    for (const token of [customer.token, admin.token]) {
      expect(await seen(cancelled.orderId, token)).toMatchObject({ orderName: '행주 외 2건', cancelReason: reason });
      expect((await seen(declined.orderId, token)).failureMessage).toEqual(expect.any(String));
    }
  });

  it('an admin sees every order', async () => {
    const { orders } = await t.client.ok(OrdersDocument, { first: 5 }, { token: admin.token });
    expect(orders.totalCount).toBeGreaterThanOrEqual(26);
    const { order } = await t.client.ok(OrderDocument, { orderId: theirs }, { token: admin.token });
    expect(order!.items).toHaveLength(1);
  });

  it('refuses a page size outside 1..20 and a foreign cursor (BAD_USER_INPUT)', async () => {
    for (const first of [0, 21]) {
      const res = await t.client.request(OrdersDocument, { first }, { token: accounts.buyer.token });
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions!.field).toBe('first');
    }
    expect(codeOf(await t.client.request(OrdersDocument, { after: 'garbage' }, { token: accounts.buyer.token }))).toBe('BAD_USER_INPUT');
  });
});
