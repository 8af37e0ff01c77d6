import mysql from 'mysql2/promise';
import { Product } from '../../src/entities';
import {
  AddToCartDocument,
  CancelOrderDocument,
  ClearCartDocument,
  CreateOrderDocument,
  UpdateProductDocument,
} from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { itProductionProfile, startTestApp, sweeperWithoutGrace, TEST_MYSQL_URL, type TestApp } from '../helpers/test-app';

/**
 * The StockGuard's counters against the stock changes they mirror (README "Stock"): a counter rebuilt
 * from MySQL while a change is between MySQL and the counter must count that change once. Each test
 * drops the counter and starts a checkout (which rebuilds it) at the moment the change moves the
 * counter, or lets the sweeper pass there; once everything has settled the counter must equal MySQL's
 * stock. Before the counter's move ran inside the change's transaction (with the product's row still
 * locked, so the rebuild waits for the COMMIT), each of these counted the change twice: a counter too
 * low after a seller lowered stock, too high after a cancel or a sweeper pass.
 */
let t: TestApp;
let admin: mysql.Connection;
let seller: TestAccount;
beforeAll(async () => {
  // The app's own sweeper stays out of the way; a test runs one with no grace period itself.
  t = await startTestApp({
    ORDER_SWEEP_INTERVAL_MS: '3600000',
    ORDER_MAX_PENDING_PER_CUSTOMER: '1000000',
    ORDER_CREATE_PER_MINUTE: '1000000',
  });
  admin = await mysql.createConnection(TEST_MYSQL_URL);
  seller = await signUpAs(t.client, 'SELLER');
});
afterAll(async () => {
  await admin?.end();
  await t?.close();
});
afterEach(() => jest.restoreAllMocks());

const mysqlStock = async (id: string) => (await t.app.orm.em.fork().findOneOrFail(Product, Number(id))).stock;
const counter = async (id: string) => (await t.app.stock.counters([Number(id)])).get(Number(id)) ?? null;

/** Settled: the counter is MySQL's stock (or missing: rebuilt from MySQL on the next reserve). */
async function expectCounterFollowsMysql(id: string): Promise<void> {
  const [stock, value] = [await mysqlStock(id), await counter(id)];
  expect({ mysql: stock, counter: value }).toEqual({ mysql: stock, counter: value === null ? null : stock });
}

/** Whether the StockGuard's rebuild is running its shared read on this test's database (blocked by the change's row lock). */
async function aRebuildReading(): Promise<boolean> {
  const [rows] = await admin.query(
    "select count(*) as n from information_schema.processlist where db = ? and info like 'select id, stock from product%lock in share mode'",
    [t.dbName],
  );
  return Number((rows as Array<{ n: unknown }>)[0].n) > 0;
}

/** `buyer`'s cart holds one unit of `productId`, so a checkout goes straight to the StockGuard. */
async function cartOfOne(buyer: TestAccount, productId: string): Promise<void> {
  await t.client.ok(ClearCartDocument, {}, { token: buyer.token });
  await t.client.ok(AddToCartDocument, { productId, quantity: 1 }, { token: buyer.token });
}

/**
 * At the change's move of the counter: drops the counter and starts `buyer`'s checkout (its cart
 * ready), which rebuilds it; waits until that rebuild's read is blocked on the product's row (the
 * change still holds it) or has written the counter (nothing held the row), 10 s at most. Returns
 * the checkout (in an object: an async function's promise would wait for it), to await after the change.
 */
async function rebuildDuring(productId: string, buyer: TestAccount): Promise<{ checkout: Promise<unknown> }> {
  await t.app.stock.forget([Number(productId)]);
  const checkout = t.client.ok(CreateOrderDocument, {}, { token: buyer.token });
  checkout.catch(() => undefined);
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    if ((await counter(productId)) !== null || (await aRebuildReading())) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { checkout };
}

describe('a counter rebuilt while a stock change moves it', () => {
  itProductionProfile.each([
    { change: "a seller lowering stock: the rebuild waits for the seller's COMMIT", from: 10, to: 4 },
    { change: 'a seller restocking: the restocked units are counted once', from: 2, to: 20 },
  ])("$change, and the counter ends at MySQL's stock", async ({ from, to }) => {
    const buyer = await signUpAs(t.client, 'CUSTOMER');
    const product = await createProduct(t.client, seller.token, { name: '재고 변경', stock: from });
    await orderProducts(t.client, buyer.token, [{ productId: product.id, quantity: 1 }]); // the counter exists
    await cartOfOne(buyer, product.id);
    let checkout: Promise<unknown> = Promise.resolve();
    const stock = t.app.stock;
    const adjust = stock.adjust.bind(stock);
    jest.spyOn(stock, 'adjust').mockImplementationOnce(async (productId, delta) => {
      ({ checkout } = await rebuildDuring(product.id, buyer));
      return adjust(productId, delta);
    });
    await t.client.ok(UpdateProductDocument, { id: product.id, input: { stock: to } }, { token: seller.token });
    await checkout;
    expect(await mysqlStock(product.id)).toBe(to - 1);
    await expectCounterFollowsMysql(product.id);
  });

  itProductionProfile("an unpaid order's cancel: its units come back once", async () => {
    const [alice, bob] = await Promise.all([signUpAs(t.client, 'CUSTOMER'), signUpAs(t.client, 'CUSTOMER')]);
    const product = await createProduct(t.client, seller.token, { name: '취소 경합', stock: 10 });
    const order = await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 3 }]);
    await cartOfOne(bob, product.id);
    let checkout: Promise<unknown> = Promise.resolve();
    const stock = t.app.stock;
    const release = stock.release.bind(stock);
    jest.spyOn(stock, 'release').mockImplementationOnce(async (orderId) => {
      ({ checkout } = await rebuildDuring(product.id, bob));
      return release(orderId);
    });
    await t.client.ok(CancelOrderDocument, { orderId: order.orderId }, { token: alice.token });
    await checkout;
    expect(await mysqlStock(product.id)).toBe(9);
    await expectCounterFollowsMysql(product.id);
  });

  itProductionProfile("the sweeper passing while a cancel returns the order's units: they come back once", async () => {
    const alice = await signUpAs(t.client, 'CUSTOMER');
    const product = await createProduct(t.client, seller.token, { name: '스위퍼 경합', stock: 10 });
    const order = await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 2 }]);
    const stock = t.app.stock;
    const release = stock.release.bind(stock);
    let swept = -1;
    jest.spyOn(stock, 'release').mockImplementationOnce(async (orderId) => {
      // The hold is stale at once (no grace): the sweeper decides from what MySQL has committed.
      swept = await sweeperWithoutGrace(t.app).settleStaleReservations();
      return release(orderId);
    });
    await t.client.ok(CancelOrderDocument, { orderId: order.orderId }, { token: alice.token });
    expect(swept).toBe(0);
    expect(await mysqlStock(product.id)).toBe(10);
    await expectCounterFollowsMysql(product.id);
  });
});

itProductionProfile(
  'checkouts, restocks, cancels and dropped counters at once: never oversold, and the counter follows MySQL once settled',
  async () => {
    const buyers = await Promise.all(Array.from({ length: 6 }, () => signUpAs(t.client, 'CUSTOMER')));
    const product = await createProduct(t.client, seller.token, { name: '난타전', stock: 8 });
    const placed: Array<{ orderId: string; token: string }> = [];
    let sold = 0;
    let restocked = 0;
    for (let round = 0; round < 6; round++) {
      await Promise.all([
        ...buyers.map(async (buyer) => {
          const order = await orderProducts(t.client, buyer.token, [{ productId: product.id, quantity: 1 }]).catch(() => null);
          if (order) placed.push({ orderId: order.orderId, token: buyer.token });
        }),
        (async () => {
          const cancel = placed.splice(0, 2);
          for (const { orderId, token } of cancel) await t.client.ok(CancelOrderDocument, { orderId }, { token });
        })(),
        (async () => {
          const now = await mysqlStock(product.id);
          restocked++;
          await t.client.ok(UpdateProductDocument, { id: product.id, input: { stock: now + 2 } }, { token: seller.token });
        })(),
        t.app.stock.forget([Number(product.id)]),
      ]);
    }
    sold = placed.length;
    const stock = await mysqlStock(product.id);
    expect({ restocked, oversold: stock < 0 }).toEqual({ restocked: 6, oversold: false });
    expect(sold).toBeGreaterThan(0);
    await expectCounterFollowsMysql(product.id);
  },
);
