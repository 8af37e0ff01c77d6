import { Product } from '../../src/entities';
import { CancelOrderDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { startTestApp, sweeperWithoutGrace, type TestApp } from '../helpers/test-app';

/**
 * The sweeper against an order whose transaction is slower than the grace period: it finds the hold
 * stale and no order in MySQL yet. The order may still commit, so the sweeper must not give its units
 * back (they would come back a second time when the committed order ends and finds no hold).
 */
let t: TestApp;
let seller: TestAccount, customer: TestAccount;
beforeAll(async () => {
  // The app's own sweeper stays out of the way; the test runs one with no grace period itself.
  t = await startTestApp({ ORDER_SWEEP_INTERVAL_MS: '3600000' });
  [seller, customer] = await Promise.all([signUpAs(t.client, 'SELLER'), signUpAs(t.client, 'CUSTOMER')]);
});
afterAll(() => t?.close());
afterEach(() => jest.restoreAllMocks());

const mysqlStock = async (id: string) => (await t.app.orm.em.fork().findOneOrFail(Product, Number(id))).stock;
const counter = async (id: string) => (await t.app.stock.counters([Number(id)])).get(Number(id));

/**
 * The next checkout's hold is made, then (before its order's transaction runs) the sweeper passes with no
 * grace: what it sees is what it would see of a transaction still open past STOCK_RESERVATION_GRACE_SECONDS.
 */
function sweepRightAfterTheNextHold(between?: () => Promise<void>): { swept: () => number } {
  const stock = t.app.stock;
  const reserve = stock.reserve.bind(stock);
  let swept = -1;
  jest.spyOn(stock, 'reserve').mockImplementationOnce(async (orderId, lines) => {
    const held = await reserve(orderId, lines);
    // Stale means made more than 0 ms ago: wait for the clock to move past the hold.
    while (!(await stock.staleReservations(0, 1000)).includes(orderId)) await new Promise((r) => setTimeout(r, 1));
    swept = await sweeperWithoutGrace(t.app).settleStaleReservations();
    await between?.();
    return held;
  });
  return { swept: () => swept };
}

it('a hold swept before its order commits is not given back: the counter never exceeds MySQL, and the units return once', async () => {
  const product = await createProduct(t.client, seller.token, { stock: 5 });
  const sweep = sweepRightAfterTheNextHold();
  const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 2 }]);
  expect(sweep.swept()).toBe(1);
  expect(await mysqlStock(product.id)).toBe(3);
  // Forgotten (rebuilt from MySQL on the next reserve), never 5: MySQL has taken the order's units.
  expect([null, 3]).toContain(await counter(product.id));

  // The order ends unpaid: MySQL gets its units back once, and so does the StockGuard.
  await t.client.ok(CancelOrderDocument, { orderId: order.orderId }, { token: customer.token });
  expect(await mysqlStock(product.id)).toBe(5);
  expect([null, 5]).toContain(await counter(product.id));
  // Every unit sells again, and the counter agrees with MySQL.
  const again = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 5 }]);
  expect([await mysqlStock(product.id), await counter(product.id)]).toEqual([0, 0]);
  await t.client.ok(CancelOrderDocument, { orderId: again.orderId }, { token: customer.token });
});

it('a hold swept while its checkout then fails before COMMIT: the units are in MySQL once and the counter follows it', async () => {
  const product = await createProduct(t.client, seller.token, { stock: 5 });
  // MySQL refuses the order inside its transaction (its stock went down meanwhile, as if the counter had drifted).
  sweepRightAfterTheNextHold(async () => {
    await t.app.orm.em.fork().nativeUpdate(Product, { id: Number(product.id) }, { stock: 1 });
  });
  await expect(orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 2 }])).rejects.toThrow(/OUT_OF_STOCK|stock/i);
  expect(await mysqlStock(product.id)).toBe(1);
  expect([null, 1]).toContain(await counter(product.id));
  // The unit left sells, and the counter agrees with MySQL.
  const last = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 1 }]);
  expect([await mysqlStock(product.id), await counter(product.id)]).toEqual([0, 0]);
  await t.client.ok(CancelOrderDocument, { orderId: last.orderId }, { token: customer.token });
});
